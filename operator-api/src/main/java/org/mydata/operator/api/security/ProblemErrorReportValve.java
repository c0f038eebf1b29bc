package org.mydata.operator.api.security;

import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.mydata.operator.api.errors.ErrorDocuments;

/**
 * Tomcat's last word on an error nobody else answered (a malformed URL refused before any servlet ran, a
 * failure of the error dispatch itself): a problem document, or an OperationOutcome under the FHIR gateway,
 * instead of Tomcat's HTML report; a browser on the citizen pages gets a plain error page in its language.
 */
public final class ProblemErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable failure) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        String path = request.getDecodedRequestURI();
        String raw = request.getRequestURI();
        try {
            if (CitizenErrorPage.isPage(raw) && String.valueOf(request.getHeader("Accept")).contains("text/html")) {
                CitizenErrorPage.write(request, response, status);
                return;
            }
            response.setContentType(ErrorDocuments.contentType(path));
            response.setCharacterEncoding("UTF-8");
            response.getOutputStream().write(ErrorDocuments.body(path, status, ErrorDocuments.detail(status)));
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            // The client went away or the response is already closed: nothing more to say.
        }
    }
}
