package org.mydata.operator.api.web;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.mydata.operator.api.config.OperatorProperties;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.client.oidc.authentication.OidcIdTokenDecoderFactory;
import org.springframework.security.oauth2.client.oidc.authentication.OidcIdTokenValidator;
import org.springframework.security.oauth2.client.oidc.web.logout.OidcClientInitiatedLogoutSuccessHandler;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.web.DefaultOAuth2AuthorizationRequestResolver;
import org.springframework.security.oauth2.client.web.HttpSessionOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizationRequestCustomizers;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.logout.SimpleUrlLogoutSuccessHandler;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;

/**
 * How people sign in to the citizen pages; one chain for the pages, the sign-in and sign-out pages, and every
 * other request no chain before it claimed, so it comes last.
 *
 * <ul>
 *   <li>With an OpenID Connect provider configured ({@code operator.pages.sign-in.issuer-uri}): Spring Security's
 *   {@code oauth2Login}, authorization code with PKCE (for confidential clients too), {@code acr_values} when set
 *   and then checked in the ID token, the person identifier from the configured claim ({@link OidcCitizens}), and
 *   RP-initiated logout where the provider offers it.</li>
 *   <li>With the embedded authorization server (the demo default): its password form, whose session the pages
 *   share. The pages do not also go through an authorization-code round trip to the server in the same process:
 *   that would add an HTTP call from the operator to itself (to its public URL, which a proxy may not route back
 *   in) and prove nothing the form does not, while the form must stay for the server's own clients anyway.</li>
 *   <li>With neither, the pages refuse everyone rather than run unprotected.</li>
 * </ul>
 *
 * A form sent after the session ended is led through sign-in back to the same action ({@link StaleForms}).
 */
@Configuration(proxyBeanMethods = false)
public class CitizenSignInConfig {
    /** The error of an ID token whose {@code acr} is weaker than asked ({@link RefusedSignIns} names it so). */
    static final String INSUFFICIENT_ACR = "insufficient_acr";

    /** Where a person starts the provider's sign-in. */
    static final String PROVIDER_SIGN_IN = "/oauth2/authorization/" + ProviderRegistration.ID;

    @Bean
    @Order(100)
    SecurityFilterChain citizenSignInChain(HttpSecurity http, OperatorProperties properties,
            @Value("${operator.embedded.authorization-server:true}") boolean passwordForm) throws Exception {
        OperatorProperties.SignIn provider = properties.pages().signIn();
        http.headers(headers -> headers
                        .contentSecurityPolicy(csp -> csp.policyDirectives(
                                CitizenPagesWebConfig.contentSecurityPolicy(properties)))
                        .referrerPolicy(referrer -> referrer.policy(ReferrerPolicy.NO_REFERRER)))
                .exceptionHandling(e -> e.accessDeniedHandler(new StaleForms()));
        if (!provider.configured() && !passwordForm) {
            http.authorizeHttpRequests(auth -> auth
                    .requestMatchers("/error", "/favicon.ico", "/app/assets/**").permitAll()
                    .anyRequest().denyAll());
            return http.build();
        }
        http.authorizeHttpRequests(auth -> auth
                .requestMatchers("/login", "/logout", "/error", "/favicon.ico").permitAll()
                // The citizen pages' style sheet: the sign-in and error pages use it too.
                .requestMatchers("/app/assets/**").permitAll()
                .anyRequest().authenticated());
        if (passwordForm) {
            http.formLogin(form -> form.loginPage("/login").failureUrl("/login?error"));
        }
        SimpleUrlLogoutSuccessHandler signedOut = new SimpleUrlLogoutSuccessHandler();
        signedOut.setDefaultTargetUrl("/login?logout");
        if (provider.configured()) {
            ProviderRegistration registration = new ProviderRegistration(provider);
            DefaultOAuth2AuthorizationRequestResolver requests =
                    new DefaultOAuth2AuthorizationRequestResolver(registration, "/oauth2/authorization");
            requests.setAuthorizationRequestCustomizer(authorizationRequest(provider.acrValues()));
            http.oauth2Login(login -> login
                    .loginPage("/login")
                    .failureHandler(new RefusedSignIns())
                    .clientRegistrationRepository(registration)
                    // The provider's tokens are needed only to sign in: kept in the session, gone with it.
                    .authorizedClientRepository(new HttpSessionOAuth2AuthorizedClientRepository())
                    .authorizationEndpoint(endpoint -> endpoint.authorizationRequestResolver(requests))
                    .userInfoEndpoint(userInfo -> userInfo.oidcUserService(new OidcCitizens(properties))));
            OidcClientInitiatedLogoutSuccessHandler providerLogout = new OidcClientInitiatedLogoutSuccessHandler(registration);
            providerLogout.setPostLogoutRedirectUri("{baseUrl}/login?logout");
            providerLogout.setDefaultTargetUrl("/login?logout");
            http.logout(logout -> logout.logoutSuccessHandler(providerLogout));
        } else {
            http.logout(logout -> logout.logoutSuccessHandler(signedOut));
        }
        // Straight to the provider when it is the only way in; to the sign-in page when there is a form.
        String entry = provider.configured() && !passwordForm ? PROVIDER_SIGN_IN : "/login";
        http.exceptionHandling(e -> e.authenticationEntryPoint(new LoginUrlAuthenticationEntryPoint(entry)));
        return http.build();
    }

    /**
     * PKCE always (a confidential client too: it protects the code, not the client), the authentication context
     * asked for, and the person's language for the provider's own pages.
     */
    static Consumer<OAuth2AuthorizationRequest.Builder> authorizationRequest(List<String> acrValues) {
        Consumer<OAuth2AuthorizationRequest.Builder> pkce = OAuth2AuthorizationRequestCustomizers.withPkce();
        return pkce.andThen(request -> request.additionalParameters(parameters -> {
            if (!acrValues.isEmpty()) {
                parameters.put("acr_values", String.join(" ", acrValues));
            }
            Locale locale = LocaleContextHolder.getLocale();
            if (locale != null && !locale.getLanguage().isEmpty()) {
                parameters.put("ui_locales", locale.toLanguageTag());
            }
        }));
    }

    /**
     * How ID tokens are checked: the standard OpenID Connect checks (issuer, audience, times with the operator's
     * clock skew, nonce) and, when {@code acr_values} are asked for, that the token's {@code acr} is one of them:
     * a provider may answer with a weaker level than asked, and then the person is not signed in.
     */
    @Bean
    JwtDecoderFactory<ClientRegistration> citizenIdTokenDecoders(OperatorProperties properties) {
        List<String> acrValues = properties.pages().signIn().acrValues();
        OidcIdTokenDecoderFactory decoders = new OidcIdTokenDecoderFactory();
        decoders.setJwtValidatorFactory(registration -> {
            OidcIdTokenValidator standard = new OidcIdTokenValidator(registration);
            standard.setClockSkew(properties.identity().clockSkew());
            return acrValues.isEmpty() ? standard : new DelegatingOAuth2TokenValidator<>(standard, acr(acrValues));
        });
        return decoders;
    }

    private static OAuth2TokenValidator<Jwt> acr(List<String> accepted) {
        OAuth2Error weaker = new OAuth2Error(INSUFFICIENT_ACR, INSUFFICIENT_ACR + ": the ID token's acr is none of "
                + "operator.pages.sign-in.acr-values", null);
        return idToken -> accepted.contains(idToken.getClaimAsString("acr"))
                ? OAuth2TokenValidatorResult.success() : OAuth2TokenValidatorResult.failure(weaker);
    }
}
