package org.mydata.operator.api.gateway;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.SecurityFilterChain;

/** The gateway is for research clients only; which permit a client may use, the gateway itself decides. */
@Configuration(proxyBeanMethods = false)
public class GatewaySecurityConfig {

    @Bean
    @Order(3)
    SecurityFilterChain gatewayChain(HttpSecurity http, JwtDecoder jwtDecoder) throws Exception {
        OperationOutcomeAuthenticationHandlers outcomes = new OperationOutcomeAuthenticationHandlers();
        http.securityMatcher(GatewayConfig.PATH + "/**")
                .authorizeHttpRequests(auth -> auth.anyRequest().hasAuthority("SCOPE_researcher"))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .oauth2ResourceServer(rs -> rs.jwt(jwt -> jwt.decoder(jwtDecoder))
                        .authenticationEntryPoint(outcomes).accessDeniedHandler(outcomes))
                .exceptionHandling(e -> e.authenticationEntryPoint(outcomes).accessDeniedHandler(outcomes));
        return http.build();
    }
}
