package org.mydata.operator.api.errors;

import org.mydata.operator.api.rest.IdempotencyFilter;

import java.net.URI;
import org.mydata.operator.store.StoreException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/** RFC 9457 problem documents, the API's one error format; docs/api.md lists the types. */
public final class Problems {
    private Problems() {
    }

    /** The longest quoted value (what the caller sent, echoed back) a detail keeps, and the longest detail. */
    static final int MAX_ECHO = 100;
    static final int MAX_DETAIL = 1000;
    private static final java.util.regex.Pattern LONG_QUOTE =
            java.util.regex.Pattern.compile("'([^']{" + MAX_ECHO + "})[^']+'");

    public static ProblemDetail of(HttpStatus status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, bounded(detail));
        problem.setType(URI.create("urn:mydata-operator:problem:" + type));
        problem.setTitle(title);
        return problem;
    }

    /**
     * A detail with every value it echoes ({@code 'like this'}, as every message quotes what the caller sent)
     * cut to {@value #MAX_ECHO} characters and an ellipsis, and the whole to {@value #MAX_DETAIL}: an error about
     * a 50 MB purpose code is not 50 MB long.
     */
    public static String bounded(String detail) {
        if (detail == null) {
            return null;
        }
        String cut = LONG_QUOTE.matcher(detail).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                "'" + m.group(1) + "…'"));
        return cut.length() > MAX_DETAIL ? cut.substring(0, MAX_DETAIL) + "…" : cut;
    }

    /**
     * A request body over {@code operator.limits.max-request-size}: the one 413 problem, whichever filter or
     * reader finds it ({@link org.mydata.operator.api.limits.RequestSizeLimit}, {@link IdempotencyFilter}).
     */
    public static ProblemDetail tooLarge(long maxBytes) {
        return of(HttpStatus.CONTENT_TOO_LARGE, "too-large", "Request too large",
                "the request body is larger than the limit of " + maxBytes + " bytes");
    }

    /** A transient database failure: 503 with {@code Retry-After}, saying only what is known of the change. */
    public static ResponseEntity<ProblemDetail> databaseFailure(StoreException e) {
        ProblemDetail problem = e.kind() == StoreException.Kind.OUTCOME_UNKNOWN
                ? of(HttpStatus.SERVICE_UNAVAILABLE, "outcome-unknown", "Outcome unknown",
                        "the connection to the database broke while the change was being committed: it may or may "
                                + "not have been stored. Retry the request with the same Idempotency-Key to learn which "
                                + "(it is then either answered with its stored result or carried out now); without a "
                                + "key, read the resource before repeating the request")
                : of(HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable", "Database unavailable",
                        "the operator cannot reach its database just now; the request was not carried out and "
                                + "nothing was changed by it. Try again in a few seconds");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(e.retryAfter().toSeconds()))
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
