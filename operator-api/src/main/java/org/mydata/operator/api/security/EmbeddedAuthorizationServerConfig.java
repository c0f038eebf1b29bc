package org.mydata.operator.api.security;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.JOSEException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.api.config.OperatorProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.oauth2.server.authorization.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;

/**
 * The embedded default's OAuth2 authorization server (Spring Authorization Server): a login page for
 * demo citizens (authorization code + PKCE) and client credentials for demo services. Its tokens are
 * ordinary JWTs that the API checks as it would check any issuer's. Off with
 * {@code operator.embedded.authorization-server=false}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "operator.embedded.authorization-server", matchIfMissing = true)
public class EmbeddedAuthorizationServerConfig {

    @Bean
    @Order(1)
    SecurityFilterChain authorizationServerChain(HttpSecurity http) throws Exception {
        OAuth2AuthorizationServerConfigurer authorizationServer = new OAuth2AuthorizationServerConfigurer();
        http.securityMatcher(authorizationServer.getEndpointsMatcher())
                .with(authorizationServer, as -> as.oidc(Customizer.withDefaults()))
                .authorizeHttpRequests(auth -> auth.anyRequest().authenticated())
                .exceptionHandling(e -> e.defaultAuthenticationEntryPointFor(
                        new LoginUrlAuthenticationEntryPoint("/login"), new MediaTypeRequestMatcher(MediaType.TEXT_HTML)));
        return http.build();
    }

    /**
     * Sign-in for people: the login form, with sessions and CSRF protection. It matches every request no
     * other chain claimed, so it comes last.
     */
    @Bean
    @Order(100)
    SecurityFilterChain loginChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(auth -> auth
                        .requestMatchers("/login", "/error", "/favicon.ico").permitAll()
                        // The citizen pages' style sheet: the sign-in and error pages may use it too.
                        .requestMatchers("/app/assets/**").permitAll()
                        .anyRequest().authenticated())
                .formLogin(Customizer.withDefaults());
        return http.build();
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    UserDetailsService citizens(DemoIdentities identities, PasswordEncoder encoder) {
        List<UserDetails> users = new ArrayList<>();
        for (DemoIdentities.Citizen citizen : identities.citizens()) {
            users.add(User.withUsername(citizen.username()).password(encoder.encode(citizen.password()))
                    .roles("CITIZEN").build());
        }
        return new InMemoryUserDetailsManager(users);
    }

    @Bean
    RegisteredClientRepository registeredClients(DemoIdentities identities, PasswordEncoder encoder,
                                                 OperatorProperties properties) {
        TokenSettings tokens = TokenSettings.builder().accessTokenTimeToLive(properties.embedded().tokenTimeToLive()).build();
        List<RegisteredClient> clients = new ArrayList<>();
        clients.add(RegisteredClient.withId(UUID.randomUUID().toString())
                .clientId(DemoIdentities.CITIZEN_APP)
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .redirectUri(DemoIdentities.CITIZEN_APP_REDIRECT)
                .scope("openid")
                .scope("citizen")
                .clientSettings(ClientSettings.builder().requireProofKey(true).requireAuthorizationConsent(false).build())
                .tokenSettings(tokens)
                .build());
        for (DemoIdentities.Client client : identities.clients()) {
            clients.add(RegisteredClient.withId(UUID.randomUUID().toString())
                    .clientId(client.clientId())
                    .clientSecret(encoder.encode(client.secret()))
                    .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                    .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                    .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                    .scope(client.scope())
                    .tokenSettings(tokens)
                    .build());
        }
        return new InMemoryRegisteredClientRepository(clients);
    }

    /**
     * The key that signs access tokens, new at every start: tokens are short-lived, and a restart
     * simply asks clients for new ones. Record signing uses the operator's own key ring, not this key.
     */
    @Bean
    RSAKey tokenSigningKey() throws JOSEException {
        return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
    }

    @Bean
    JWKSource<SecurityContext> jwkSource(RSAKey tokenSigningKey) {
        return new ImmutableJWKSet<>(new JWKSet(tokenSigningKey));
    }

    @Bean
    AuthorizationServerSettings authorizationServerSettings() {
        return AuthorizationServerSettings.builder().build();
    }

    /** Puts the citizen's verified person identifier into their access token, as a national eID broker would. */
    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> personIdentifierClaim(DemoIdentities identities,
                                                                    OperatorProperties properties) {
        return context -> {
            if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
                return;
            }
            identities.citizen(context.getPrincipal().getName()).ifPresent(citizen -> context.getClaims()
                    .claim(properties.identity().personIdentifierClaim(), citizen.personIdentifier()));
        };
    }
}
