package org.mydata.operator.api.rest;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

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
}
