package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Refusals that interceptors write themselves and then end the request (their hook returns false) rather than
 * throw: HAPI logs every exception an interceptor throws as an error with its stack trace, and a researcher's
 * typo or a wrong permit id is no error of the operator's.
 */
final class Refusals {
    private Refusals() {
    }

    /** Writes the outcome with the status; returns false, which is what the hook returns to end the request. */
    static boolean write(RequestDetails details, HttpServletResponse response, int status, OperationOutcome outcome)
            throws IOException {
        String body = details.getFhirContext().newJsonParser().encodeResourceToString(outcome);
        response.setStatus(status);
        response.setContentType("application/fhir+json;charset=utf-8");
        response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        response.flushBuffer();
        return false;
    }

    static OperationOutcome outcome(OperationOutcome.IssueType code, String diagnostics) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(code).setDiagnostics(diagnostics);
        return outcome;
    }
}
