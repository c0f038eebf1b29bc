package org.mydata.operator.api.gateway;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/** 401 and 403 on the FHIR gateway as FHIR clients expect them: an OperationOutcome. */
final class OperationOutcomeAuthenticationHandlers implements AuthenticationEntryPoint, AccessDeniedHandler {
    private final BearerTokenAuthenticationEntryPoint bearerEntryPoint = new BearerTokenAuthenticationEntryPoint();
    private final BearerTokenAccessDeniedHandler bearerDenied = new BearerTokenAccessDeniedHandler();

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException failure)
            throws IOException {
        bearerEntryPoint.commence(request, response, failure);
        write(response, "login", "The FHIR gateway needs a valid bearer access token (OAuth2 client credentials).");
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException {
        bearerDenied.handle(request, response, denied);
        write(response, "forbidden", "The FHIR gateway is for research clients (scope researcher).");
    }

    private static void write(HttpServletResponse response, String code, String text) throws IOException {
        response.setContentType("application/fhir+json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        // A fixed text, so it is written by hand instead of pulling a FHIR parser into the security layer.
        response.getWriter().write("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                + "\"code\":\"" + code + "\",\"diagnostics\":\"" + text + "\"}]}");
    }
}
