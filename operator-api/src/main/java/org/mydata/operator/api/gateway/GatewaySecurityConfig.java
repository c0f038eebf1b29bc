package org.mydata.operator.api.gateway;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The gateway is for research clients only: scope {@code researcher}, or the SMART system scopes a standard
 * bulk client asks for ({@code system/*.read}, {@code system/*.rs}), which an issuer grants only to research
 * clients. Which permit a client may use, the gateway itself decides, by the token's subject.
 */
@Configuration(proxyBeanMethods = false)
public class GatewaySecurityConfig {

    @Bean
    @Order(3)
    SecurityFilterChain gatewayChain(HttpSecurity http, JwtDecoder jwtDecoder) throws Exception {
        OperationOutcomeAuthenticationHandlers outcomes = new OperationOutcomeAuthenticationHandlers();
        http.securityMatcher(GatewayConfig.PATH + "/**")
                .authorizeHttpRequests(auth -> auth
                        // SMART discovery comes before a client has a token; it is the same for every base.
                        .requestMatchers(HttpMethod.GET, GatewayConfig.PATH + "/*/.well-known/smart-configuration")
                        .permitAll()
                        .anyRequest().hasAnyAuthority(GatewayConfig.SCOPES.stream().map(s -> "SCOPE_" + s)
                                .toArray(String[]::new)))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .oauth2ResourceServer(rs -> rs.jwt(jwt -> jwt.decoder(jwtDecoder))
                        .authenticationEntryPoint(outcomes).accessDeniedHandler(outcomes))
                .exceptionHandling(e -> e.authenticationEntryPoint(outcomes).accessDeniedHandler(outcomes));
        return http.build();
    }
}
