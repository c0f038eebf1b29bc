package org.mydata.operator.api.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.mydata.operator.api.errors.ErrorDocuments;
import org.mydata.operator.api.errors.Problems;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * 401 and 403 as problem documents. The standard bearer handlers still set {@code WWW-Authenticate}
 * (RFC 6750), so OAuth2 clients keep working; the body tells a person what was wrong.
 */
public final class ProblemAuthenticationHandlers implements AuthenticationEntryPoint, AccessDeniedHandler {
    private final BearerTokenAuthenticationEntryPoint bearerEntryPoint = new BearerTokenAuthenticationEntryPoint();
    private final BearerTokenAccessDeniedHandler bearerDenied = new BearerTokenAccessDeniedHandler();
    private final JsonMapper json;

    public ProblemAuthenticationHandlers(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException failure)
            throws IOException {
        bearerEntryPoint.commence(request, response, failure);
        if (ErrorDocuments.isBrowser(request)) {
            // A person opened an API address (or mistyped one) in the browser: the error page says so.
            response.sendError(HttpStatus.UNAUTHORIZED.value());
            return;
        }
        String detail;
        if (failure instanceof OAuth2AuthenticationException oauth) {
            String description = oauth.getError().getDescription();
            detail = description == null ? "the access token is not valid"
                    : "the access token is not valid: " + safe(description);
        } else {
            detail = "this endpoint needs a bearer access token (OAuth2)";
        }
        write(response, Problems.of(HttpStatus.UNAUTHORIZED, "unauthenticated", "Unauthenticated", detail));
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException {
        bearerDenied.handle(request, response, denied);
        write(response, Problems.of(HttpStatus.FORBIDDEN, "forbidden", "Forbidden",
                "the access token's scope does not allow this request"));
    }

    private void write(HttpServletResponse response, ProblemDetail problem) throws IOException {
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }

    /** Token errors from Nimbus describe the token, never the caller; still, keep them short and on one line. */
    private static String safe(String description) {
        String oneLine = description.replaceAll("[\\r\\n]+", " ");
        return oneLine.length() > 200 ? oneLine.substring(0, 200) : oneLine;
    }
}
