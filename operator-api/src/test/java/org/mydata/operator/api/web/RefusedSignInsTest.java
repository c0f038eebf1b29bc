package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;

/**
 * A sign-in the identification service refused says why, in words the person can act on, in every language;
 * the provider's own message never reaches the page (CitizenOidcSignInBrowserTest signs in for real).
 */
class RefusedSignInsTest {

    @Test
    void eachRefusalHasItsReason() {
        assertThat(reason(new OAuth2Error("access_denied", "the user said no", null))).isEqualTo("cancelled");
        assertThat(reason(new OAuth2Error("login_required"))).isEqualTo("cancelled");
        assertThat(reason(new OAuth2Error(OidcCitizens.NO_IDENTIFIER))).isEqualTo("noIdentifier");
        assertThat(reason(new OAuth2Error(OidcCitizens.SUBJECT_IS_IDENTIFIER))).isEqualTo("misconfigured");
        assertThat(reason(new OAuth2Error("invalid_id_token", "An error occurred while attempting to decode the "
                + "Jwt: insufficient_acr: the ID token's acr is none of operator.pages.sign-in.acr-values", null)))
                .isEqualTo("weak");
        assertThat(reason(new OAuth2Error("server_error"))).isEqualTo("other");
        assertThat(RefusedSignIns.reason(new BadCredentialsException("no"))).isEqualTo("other");
    }

    @Test
    void theSignInPageIsToldTheReasonAndNothingMore() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        new RefusedSignIns().onAuthenticationFailure(new MockHttpServletRequest("GET", "/login/oauth2/code/provider"),
                response, new OAuth2AuthenticationException(new OAuth2Error("access_denied", "secret detail", null)));
        assertThat(response.getRedirectedUrl()).isEqualTo("/login?error=provider&reason=cancelled");
    }

    @Test
    void everyReasonHasWordsInEveryLanguage() {
        for (String file : List.of("messages.properties", "messages_fi.properties", "messages_sv.properties")) {
            Properties bundle = MessageBundlesTest.bundle(file);
            for (String reason : List.of(RefusedSignIns.CANCELLED, RefusedSignIns.WEAK, RefusedSignIns.NO_IDENTIFIER,
                    RefusedSignIns.MISCONFIGURED, RefusedSignIns.OTHER)) {
                assertThat(bundle.getProperty("signin.error.provider." + reason)).as(file + " " + reason).isNotBlank();
            }
        }
    }

    private static String reason(OAuth2Error error) {
        return RefusedSignIns.reason(new OAuth2AuthenticationException(error));
    }
}
