package org.mydata.operator.api.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.web.DefaultRedirectStrategy;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;

/**
 * A sign-in through the identification service that did not succeed: back to the sign-in page with why, in words
 * the person can act on (they cancelled; the identification was weaker than required; the service did not say who
 * they are; our own settings are at fault), {@code /login?error=provider&reason=...}. Only the reason's name
 * travels, never the provider's own message.
 */
final class RefusedSignIns implements AuthenticationFailureHandler {
    static final String CANCELLED = "cancelled";
    static final String WEAK = "weak";
    static final String NO_IDENTIFIER = "noIdentifier";
    static final String MISCONFIGURED = "misconfigured";
    static final String OTHER = "other";

    private final DefaultRedirectStrategy redirect = new DefaultRedirectStrategy();

    @Override
    public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response,
                                        AuthenticationException refused) throws IOException {
        redirect.sendRedirect(request, response, "/login?error=provider&reason=" + reason(refused));
    }

    static String reason(AuthenticationException refused) {
        if (!(refused instanceof OAuth2AuthenticationException oauth)) {
            return OTHER;
        }
        String code = oauth.getError().getErrorCode();
        String description = oauth.getError().getDescription();
        if (OAuth2ErrorCodes.ACCESS_DENIED.equals(code) || "login_required".equals(code)
                || "interaction_required".equals(code) || "consent_required".equals(code)) {
            return CANCELLED;
        }
        if (OidcCitizens.NO_IDENTIFIER.equals(code)) {
            return NO_IDENTIFIER;
        }
        if (OidcCitizens.SUBJECT_IS_IDENTIFIER.equals(code)) {
            return MISCONFIGURED;
        }
        // The ID token's acr check (CitizenSignInConfig) fails as an invalid ID token that names the acr.
        if (description != null && description.contains(CitizenSignInConfig.INSUFFICIENT_ACR)) {
            return WEAK;
        }
        return OTHER;
    }
}
