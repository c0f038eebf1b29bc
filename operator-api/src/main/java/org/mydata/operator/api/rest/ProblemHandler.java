package org.mydata.operator.api.rest;

import org.mydata.operator.api.errors.Problems;

import java.util.UUID;
import org.mydata.operator.api.limits.RequestSizeLimit;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.ForbiddenException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.LimitReachedException;
import org.mydata.operator.failure.LiveConsentExistsException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.failure.OperatorException;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Maps every failure to an RFC 9457 problem document. Domain messages are written to be shown; anything
 * unexpected becomes a bare 500 with an incident id, and its details go to the log only.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler(OperatorException.class)
    ResponseEntity<ProblemDetail> domain(OperatorException e) {
        ProblemDetail problem;
        if (e instanceof NotFoundException) {
            problem = Problems.of(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage());
        } else if (e instanceof LiveConsentExistsException exists) {
            // Points at the consent in the way, so a client can show it, or withdraw it before consenting anew.
            problem = Problems.of(HttpStatus.CONFLICT, "consent-exists", "Consent already given", e.getMessage());
            problem.setProperty("existingConsentId", exists.consentId().toString());
            problem.setProperty("existingConsentStatus", exists.status());
            problem.setProperty("existingConsent", "/api/v1/me/consents/" + exists.consentId());
        } else if (e instanceof ConflictException) {
            problem = Problems.of(HttpStatus.CONFLICT, "conflict", "Conflict", e.getMessage());
        } else if (e instanceof InvalidRequestException invalid) {
            problem = Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-request", "Invalid request", e.getMessage());
            if (invalid.field() != null) {
                problem.setProperty("field", invalid.field());
            }
        } else if (e instanceof ForbiddenException forbidden) {
            // The type names the rule, so a client can tell this refusal from a missing scope.
            problem = Problems.of(HttpStatus.FORBIDDEN, forbidden.rule(), "Forbidden by " + forbidden.rule(),
                    e.getMessage());
            problem.setProperty("rule", forbidden.rule());
        } else if (e instanceof LimitReachedException limit) {
            problem = Problems.of(HttpStatus.TOO_MANY_REQUESTS, limit.rule(), "Limit reached", e.getMessage());
            problem.setProperty("rule", limit.rule());
            return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                    .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, limit.retryAfter().toSeconds())))
                    .body(problem);
        } else if (e instanceof SourceUnavailableException source) {
            problem = source.timedOut()
                    ? Problems.of(HttpStatus.GATEWAY_TIMEOUT, "source-timeout", "Source did not answer", e.getMessage())
                    : Problems.of(HttpStatus.BAD_GATEWAY, "source-failed", "Source failed", e.getMessage());
        } else {
            problem = Problems.of(HttpStatus.BAD_REQUEST, "bad-request", "Bad request", e.getMessage());
        }
        return ResponseEntity.status(problem.getStatus()).body(problem);
    }

    /**
     * The database. When it is away the answer is 503 at once, with {@code Retry-After}; what it says about
     * the request's change is only what is known: not carried out, or (the connection broke during COMMIT)
     * perhaps carried out.
     */
    @ExceptionHandler(StoreException.class)
    ResponseEntity<ProblemDetail> store(StoreException e) {
        if (!e.isTransient()) {
            return unexpected(e);
        }
        log.warn("database failure answered 503 ({}): {}", e.kind(), e.getMessage());
        return Problems.databaseFailure(e);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> badPathValue(MethodArgumentTypeMismatchException e) {
        return ResponseEntity.badRequest().body(Problems.of(HttpStatus.BAD_REQUEST, "bad-request", "Bad request",
                "'" + e.getName() + "' is not a valid " + (e.getRequiredType() == UUID.class ? "id" : "value")));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        String incident = UUID.randomUUID().toString();
        log.error("incident {}: unexpected failure", incident, e);
        ProblemDetail problem = Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "Internal error",
                "the operator failed to handle the request (incident " + incident + "); if it was to change something, "
                        + "retry it with the same Idempotency-Key to learn whether it did, or read the resource first");
        return ResponseEntity.internalServerError().body(problem);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RequestSizeLimit.TooLarge tooLarge) {
                return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).header(HttpHeaders.CONNECTION, "close")
                        .body(Problems.tooLarge(tooLarge.maxBytes()));
            }
        }
        String detail = "the request body is not valid JSON";
        Throwable cause = e.getCause();
        if (cause instanceof UnrecognizedPropertyException unknown) {
            detail = "unknown field '" + unknown.getPropertyName() + "'";
        } else if (cause instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            detail = "field '" + mismatch.getPathReference().replaceAll("^.*\\[\"?|\"?]$", "")
                    + "' has the wrong type or format";
        } else if (e.getMessage() != null && e.getMessage().startsWith("Required request body is missing")) {
            detail = "the request needs a JSON body";
        }
        return ResponseEntity.badRequest().body(Problems.of(HttpStatus.BAD_REQUEST, "malformed-request",
                "Malformed request", detail));
    }
}
