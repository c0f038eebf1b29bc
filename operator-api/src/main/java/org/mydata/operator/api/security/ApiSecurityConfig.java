package org.mydata.operator.api.security;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.JOSEException;
import java.util.ArrayList;
import java.util.List;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.gateway.PublicBaseUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API as an OAuth2 resource server. Roles are token scopes: {@code citizen}, {@code researcher},
 * {@code steward}, {@code auditor}, {@code admin}, {@code source}. Tokens come from the issuer named by
 * {@code spring.security.oauth2.resourceserver.jwt.*} or, by default, from the embedded authorization server.
 */
@Configuration(proxyBeanMethods = false)
public class ApiSecurityConfig {
    private static final Logger log = LoggerFactory.getLogger(ApiSecurityConfig.class);


    @Bean
    @Order(2)
    SecurityFilterChain apiChain(HttpSecurity http, JwtDecoder jwtDecoder, JsonMapper json) throws Exception {
        ProblemAuthenticationHandlers problems = new ProblemAuthenticationHandlers(json);
        http.securityMatcher("/api/**", "/.well-known/jwks.json", "/v3/api-docs/**", "/swagger-ui/**",
                        "/swagger-ui.html", "/demo-source/**")
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers(HttpMethod.GET, "/.well-known/jwks.json", "/api/v1/programmes",
                                "/api/v1/programmes/*", "/api/v1/audit/checkpoint.note").permitAll()
                        // amend: a programme's version history is part of the public catalogue.
                        .requestMatchers(HttpMethod.GET, "/api/v1/programmes/*/versions").permitAll()
                        // The log as static tiles (LogTilesController): public, so that anyone may mirror it.
                        .requestMatchers(HttpMethod.GET, "/api/v1/audit/log", "/api/v1/audit/log/",
                                "/api/v1/audit/log/checkpoint", "/api/v1/audit/log/tile/**").permitAll()
                        .requestMatchers("/api/v1/audit/**").hasAuthority("SCOPE_auditor")
                        .requestMatchers("/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html").permitAll()
                        // The demo source stands in for a hospital server on a private network: open, like one.
                        .requestMatchers("/demo-source/**").permitAll()
                        .requestMatchers("/api/v1/me/**").hasAuthority("SCOPE_citizen")
                        .requestMatchers("/api/v1/sources/**", "/api/v1/admin/**").hasAuthority("SCOPE_admin")
                        .requestMatchers(HttpMethod.POST, "/api/v1/programmes").hasAuthority("SCOPE_admin")
                        .requestMatchers(HttpMethod.POST, "/api/v1/requests").hasAuthority("SCOPE_researcher")
                        .requestMatchers("/api/v1/requests/*/decision", "/api/v1/requests/*/risk",
                                "/api/v1/permits/*/revoke")
                        .hasAuthority("SCOPE_steward")
                        .requestMatchers("/api/v1/requests/**").hasAnyAuthority("SCOPE_researcher", "SCOPE_steward")
                        // The permit's steward follows the deliveries too; the controller checks whose permit.
                        .requestMatchers(HttpMethod.GET, "/api/v1/permits/*/webhooks/deliveries")
                        .hasAnyAuthority("SCOPE_researcher", "SCOPE_steward")
                        .requestMatchers("/api/v1/permits/**").hasAuthority("SCOPE_researcher")
                        .anyRequest().authenticated())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                // Bearer tokens travel in a header a browser never adds by itself, so CSRF cannot ride on them.
                .csrf(csrf -> csrf.disable())
                .oauth2ResourceServer(rs -> rs
                        .jwt(jwt -> jwt.decoder(jwtDecoder))
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(problems))
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems));
        return http.build();
    }

    /**
     * The decoder for access tokens: an external issuer when configured (a real IdP in production),
     * otherwise the embedded authorization server's own key, checked in-process. Whatever the source, a
     * token must name its subject, expire, come from the expected issuer and, when audiences are set (always
     * for the embedded server's tokens), be meant for this operator.
     */
    @Bean
    JwtDecoder jwtDecoder(@Value("${spring.security.oauth2.resourceserver.jwt.issuer-uri:}") String issuerUri,
                          @Value("${spring.security.oauth2.resourceserver.jwt.jwk-set-uri:}") String jwkSetUri,
                          @Value("${spring.security.oauth2.resourceserver.jwt.audiences:}") List<String> audiences,
                          ObjectProvider<RSAKey> embeddedTokenKey, PublicBaseUrl publicBase,
                          OperatorProperties properties) throws JOSEException {
        NimbusJwtDecoder decoder;
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(required(JwtClaimNames.EXP, "expiry (exp)"));
        validators.add(required(JwtClaimNames.SUB, "subject (sub)"));
        validators.add(new JwtTimestampValidator(properties.identity().clockSkew()));
        List<String> expectedAudiences = audiences.stream().filter(a -> !a.isBlank()).toList();
        if (!jwkSetUri.isBlank()) {
            if (issuerUri.isBlank()) {
                throw new IllegalStateException("spring.security.oauth2.resourceserver.jwt.jwk-set-uri needs "
                        + "spring.security.oauth2.resourceserver.jwt.issuer-uri too: without it any issuer trusted by "
                        + "that key set would be accepted (docs/operating.md, Security)");
            }
            decoder = NimbusJwtDecoder.withJwkSetUri(jwkSetUri).build();
            validators.add(new JwtIssuerValidator(issuerUri));
        } else if (!issuerUri.isBlank()) {
            decoder = NimbusJwtDecoder.withIssuerLocation(issuerUri).build();
            validators.add(new JwtIssuerValidator(issuerUri));
        } else {
            RSAKey key = embeddedTokenKey.getIfAvailable();
            if (key == null) {
                throw new IllegalStateException("no token issuer: set spring.security.oauth2.resourceserver.jwt.issuer-uri "
                        + "or jwk-set-uri, or enable operator.embedded.authorization-server");
            }
            decoder = NimbusJwtDecoder.withPublicKey(key.toRSAPublicKey()).build();
            // The embedded server names itself by the public origin; known only once the server listens.
            validators.add(new JwtClaimValidator<Object>(JwtClaimNames.ISS,
                    iss -> iss != null && iss.toString().equals(publicBase.origin())));
            if (expectedAudiences.isEmpty()) {
                expectedAudiences = List.of(EmbeddedAuthorizationServerConfig.DEFAULT_AUDIENCE);
            }
        }
        if (!expectedAudiences.isEmpty()) {
            validators.add(audience(expectedAudiences));
        } else if (properties.identity().allowAnyAudience()) {
            log.warn("ANY AUDIENCE: tokens of the identity provider {} are accepted whatever application they were "
                    + "issued for (operator.identity.allow-any-audience=true); set "
                    + "spring.security.oauth2.resourceserver.jwt.audiences instead", issuerUri);
        } else {
            throw new IllegalStateException("no token audience: with an outside identity provider set "
                    + "spring.security.oauth2.resourceserver.jwt.audiences to what its tokens for this operator name in "
                    + "aud, or else tokens it issued for other applications would be accepted too (docs/operating.md, "
                    + "Security; operator.identity.allow-any-audience=true accepts any, with a warning)");
        }
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
        return decoder;
    }

    /** The token names at least one of the audiences this operator answers to. */
    private static OAuth2TokenValidator<Jwt> audience(List<String> expected) {
        OAuth2Error wrong = new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, "the token is not meant for this operator "
                + "(aud)", null);
        return jwt -> jwt.getAudience() != null && jwt.getAudience().stream().anyMatch(expected::contains)
                ? OAuth2TokenValidatorResult.success() : OAuth2TokenValidatorResult.failure(wrong);
    }

    /** A claim every token must carry: without it, a 401 that names it (never a 500 further on). */
    private static OAuth2TokenValidator<Jwt> required(String claim, String name) {
        OAuth2Error missing = new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, "the token has no " + name + " claim", null);
        return jwt -> jwt.getClaims().get(claim) == null || jwt.getClaims().get(claim).toString().isBlank()
                ? OAuth2TokenValidatorResult.failure(missing) : OAuth2TokenValidatorResult.success();
    }
}
