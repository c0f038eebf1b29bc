package org.mydata.operator.api.rest;

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

    public static ProblemDetail of(HttpStatus status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("urn:mydata-operator:problem:" + type));
        problem.setTitle(title);
        return problem;
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
