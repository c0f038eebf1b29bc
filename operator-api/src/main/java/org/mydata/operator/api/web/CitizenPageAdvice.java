package org.mydata.operator.api.web;

import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.mydata.operator.api.errors.Problems;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.failure.ForbiddenException;
import org.mydata.operator.failure.OperatorException;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.ModelAndView;

/**
 * Failures on the citizen pages become pages a person can read, in their language, never stack traces or
 * problem documents. It applies to the controllers of this package only, ahead of the API's problem handler.
 */
@ControllerAdvice(basePackageClasses = CitizenPageAdvice.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
public class CitizenPageAdvice {
    private static final Logger log = LoggerFactory.getLogger(CitizenPageAdvice.class);

    /** The signed-in person's name, for the page header. */
    @ModelAttribute("citizenName")
    public String citizenName(Authentication signedIn) {
        return nameOf(signedIn);
    }

    /** The name the page header shows (with the menu and the sign-out button), or null when nobody is signed in. */
    public static String nameOf(Authentication signedIn) {
        return SignedInCitizens.displayName(signedIn);
    }

    @ExceptionHandler(OperatorException.class)
    public ModelAndView domain(OperatorException e) {
        if (e instanceof NotFoundException) {
            return page(HttpStatus.NOT_FOUND, "problem.notFound", e.getMessage());
        }
        if (e instanceof ConflictException) {
            return page(HttpStatus.CONFLICT, "problem.conflict", e.getMessage());
        }
        if (e instanceof ForbiddenException) {
            return page(HttpStatus.FORBIDDEN, "problem.forbidden", e.getMessage());
        }
        if (e instanceof InvalidRequestException) {
            return page(HttpStatus.UNPROCESSABLE_CONTENT, "problem.invalid", e.getMessage());
        }
        if (e instanceof SourceUnavailableException source) {
            return page(source.timedOut() ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY, "problem.source",
                    e.getMessage());
        }
        return page(HttpStatus.BAD_REQUEST, "problem.invalid", e.getMessage());
    }

    /**
     * The database is away: a page that says so at once (503, {@code Retry-After}) rather than a wait and a
     * generic error, and that says whether the person's change may have been saved.
     */
    @ExceptionHandler(StoreException.class)
    public ModelAndView store(StoreException e, HttpServletResponse response) throws Exception {
        if (!e.isTransient()) {
            return unexpected(e);
        }
        log.warn("database failure on a citizen page answered 503 ({})", e.kind());
        response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(e.retryAfter().toSeconds()));
        return page(HttpStatus.SERVICE_UNAVAILABLE, e.kind() == StoreException.Kind.OUTCOME_UNKNOWN
                ? "problem.outcomeUnknown" : "problem.unavailable", null);
    }

    /** A path id that is not a UUID names no page: not found, like another person's consent. */
    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    public ModelAndView badPathValue(MethodArgumentTypeMismatchException e) {
        return e.getParameter().hasParameterAnnotation(org.springframework.web.bind.annotation.PathVariable.class)
                ? page(HttpStatus.NOT_FOUND, "problem.notFound", null)
                : page(HttpStatus.BAD_REQUEST, "problem.badForm", null);
    }

    @ExceptionHandler(Exception.class)
    public ModelAndView unexpected(Exception e) throws Exception {
        if (e instanceof AccessDeniedException denied) {
            throw denied; // Spring Security's own handling: to the sign-in page, or 403.
        }
        if (e instanceof ErrorResponse framework) {
            HttpStatusCode status = framework.getStatusCode();
            return page(HttpStatus.valueOf(status.value()), status.is4xxClientError() ? "problem.badForm"
                    : "problem.unexpected", null);
        }
        String incident = UUID.randomUUID().toString();
        log.error("incident {}: unexpected failure on a citizen page", incident, e);
        ModelAndView page = page(HttpStatus.INTERNAL_SERVER_ERROR, "problem.unexpected", null);
        page.addObject("incident", incident);
        return page;
    }

    /**
     * The problem page. {@code detail} is the domain's message, written for developers in English: it goes to
     * the debug log, never onto the page, which says {@code key}'s sentence in the person's language.
     */
    static ModelAndView page(HttpStatus status, String key, String detail) {
        if (detail != null) {
            log.debug("citizen page answered {} ({}): {}", status.value(), key, Problems.bounded(detail));
        }
        ModelAndView page = new ModelAndView("app/problem", status);
        page.addObject("failure", new PageProblem(key, null));
        page.addObject("status", status.value());
        // An exception handler's page gets no @ModelAttribute: the header's name is added here.
        String name = nameOf(SecurityContextHolder.getContext().getAuthentication());
        if (name != null) {
            page.addObject("citizenName", name);
        }
        return page;
    }
}
