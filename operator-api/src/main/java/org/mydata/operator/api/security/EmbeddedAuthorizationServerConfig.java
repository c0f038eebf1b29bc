package org.mydata.operator.api.security;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.mydata.operator.store.Transactions;
import org.mydata.operator.store.UsedAssertionIds;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.authentication.ClientSecretAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionDecoderFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.signing.PublicKeys;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
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
import org.springframework.security.web.authentication.preauth.AbstractPreAuthenticatedProcessingFilter;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;

/**
 * The embedded default's OAuth2 authorization server (Spring Authorization Server): a login page for
 * demo citizens (authorization code + PKCE, throttled against guessing; the sign-in page and its form are
 * {@link org.mydata.operator.api.web.CitizenSignInConfig}'s, shared with the citizen pages) and client credentials for demo
 * services, with a client secret or, for the demo bulk client, a signed JWT ({@code private_key_jwt}, as SMART
 * Backend Services require). Its tokens are ordinary JWTs that the API checks as it would check any issuer's;
 * its issuer is the public base URL, which the request's Host header cannot change. Off with
 * {@code operator.embedded.authorization-server=false}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "operator.embedded.authorization-server", matchIfMissing = true)
public class EmbeddedAuthorizationServerConfig {
    /** The audience of the embedded server's access tokens when no audiences are configured. */
    public static final String DEFAULT_AUDIENCE = "mydata-operator";
    /** A client setting: the public keys (a JWK Set, JSON) a private_key_jwt client signs its assertions with. */
    static final String REGISTERED_KEYS = "settings.client.operator.registered-jwk-set";

    @Bean
    @Order(1)
    SecurityFilterChain authorizationServerChain(HttpSecurity http, SingleUseAssertions singleUse, Clock clock,
                                                 OperatorProperties properties) throws Exception {
        OAuth2AuthorizationServerConfigurer authorizationServer = new OAuth2AuthorizationServerConfigurer();
        http.securityMatcher(authorizationServer.getEndpointsMatcher())
                .with(authorizationServer, as -> as.oidc(Customizer.withDefaults())
                        .clientAuthentication(clients -> clients.authenticationProviders(providers -> {
                            providers.forEach(provider -> {
                                if (provider instanceof JwtClientAssertionAuthenticationProvider assertions) {
                                    assertions.setJwtDecoderFactory(clientAssertionDecoders(singleUse));
                                }
                            });
                            // Wrong client secrets are throttled like wrong passwords at the sign-in form, per
                            // client and per address, and a locked client is refused as a wrong secret is.
                            providers.replaceAll(provider -> provider instanceof ClientSecretAuthenticationProvider
                                    ? new ThrottledLogin(provider, () -> new OAuth2AuthenticationException(
                                            OAuth2ErrorCodes.INVALID_CLIENT), clock, properties.login())
                                    : provider);
                        })))
                .addFilterBefore(new ClientIdFromAssertion(), AbstractPreAuthenticatedProcessingFilter.class)
                .authorizeHttpRequests(auth -> auth.anyRequest().authenticated())
                .exceptionHandling(e -> e.defaultAuthenticationEntryPointFor(
                        new LoginUrlAuthenticationEntryPoint("/login"), new MediaTypeRequestMatcher(MediaType.TEXT_HTML)));
        return http.build();
    }

    /** Authorizations in memory, safe for concurrent sign-ins (see {@link SerialAuthorizationService}). */
    @Bean
    org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService authorizationService() {
        return new SerialAuthorizationService();
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    /**
     * Password sign-in for the login form, throttled per account and per client address. Being the one
     * authentication provider bean, it replaces the one Spring Security would build from the user details.
     */
    @Bean
    AuthenticationProvider throttledLogin(UserDetailsService citizens, PasswordEncoder encoder, Clock clock,
                                          OperatorProperties properties) {
        DaoAuthenticationProvider passwords = new DaoAuthenticationProvider(citizens);
        passwords.setPasswordEncoder(encoder);
        return new ThrottledLogin(passwords, clock, properties.login());
    }

    @Bean
    UserDetailsService citizens(DemoIdentities identities, PasswordEncoder encoder) {
        List<UserDetails> users = new ArrayList<>();
        // Generated (benchmark) citizens have random 192-bit passwords, which a slow hash protects no better:
        // bcrypt at its lowest cost, checked by the same delegating encoder, so that 10^3 of them start in a second.
        org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder quick =
                new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(4);
        for (DemoIdentities.Citizen citizen : identities.citizens()) {
            String hash = citizen.generated() ? "{bcrypt}" + quick.encode(citizen.password())
                    : encoder.encode(citizen.password());
            users.add(User.withUsername(citizen.username()).password(hash).roles("CITIZEN").build());
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
        for (DemoIdentities.KeyClient client : identities.keyClients()) {
            clients.add(RegisteredClient.withId(UUID.randomUUID().toString())
                    .clientId(client.clientId())
                    .clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT)
                    .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                    .scopes(scopes -> scopes.addAll(client.scopes()))
                    .clientSettings(ClientSettings.builder()
                            .tokenEndpointAuthenticationSigningAlgorithm(SignatureAlgorithm.RS384)
                            .setting(REGISTERED_KEYS, client.publicKeys().toString()).build())
                    .tokenSettings(tokens)
                    .build());
        }
        return new InMemoryRegisteredClientRepository(clients);
    }

    /**
     * How client assertions (private_key_jwt, RFC 7523) are checked: against the keys registered with the client
     * when it has some, else against its JWK Set URL (Spring Authorization Server's own way). Either way with
     * Spring's checks of issuer, subject, audience (this server's token endpoint or issuer) and times. The
     * registered keys may sign with RS384 or ES384, the algorithms SMART Backend Services name. Then each
     * assertion is good once ({@link SingleUseAssertions}).
     */
    static JwtDecoderFactory<RegisteredClient> clientAssertionDecoders(SingleUseAssertions singleUse) {
        java.util.function.Function<RegisteredClient, OAuth2TokenValidator<Jwt>> validators = client ->
                new DelegatingOAuth2TokenValidator<>(
                        JwtClientAssertionDecoderFactory.DEFAULT_JWT_VALIDATOR_FACTORY.apply(client), singleUse);
        JwtClientAssertionDecoderFactory byUrl = new JwtClientAssertionDecoderFactory();
        byUrl.setJwtValidatorFactory(validators);
        Map<String, JwtDecoder> registered = new ConcurrentHashMap<>();
        return client -> {
            String keys = client.getClientSettings().getSetting(REGISTERED_KEYS);
            if (keys == null) {
                return byUrl.createDecoder(client);
            }
            return registered.computeIfAbsent(client.getId() + " " + keys, k -> {
                try {
                    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
                    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(
                            Set.of(JWSAlgorithm.RS384, JWSAlgorithm.ES384), new ImmutableJWKSet<>(JWKSet.parse(keys))));
                    // The claims are Spring's to check, below, as for a client with a JWK Set URL.
                    processor.setJWTClaimsSetVerifier((claims, context) -> { });
                    NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
                    decoder.setJwtValidator(validators.apply(client));
                    return decoder;
                } catch (java.text.ParseException e) {
                    throw new IllegalStateException("the registered keys of client " + client.getClientId()
                            + " are not a JWK Set", e);
                }
            });
        };
    }

    /**
     * The server's keys, kept in {@code <data-dir>/keys/authorization-server.p12} under the signing keystore's
     * password, so tokens and pseudonymous subjects outlive a restart. The record keys' public view is a
     * parameter only so that the key ring, and so its keystore password (it makes the embedded default's on
     * first start), exists before the password is read; the server never signs with the ring.
     */
    @Bean
    SingleUseAssertions singleUseAssertions(Transactions tx, Clock clock) {
        return new SingleUseAssertions(new UsedAssertionIds(tx), clock);
    }

    @Bean
    EmbeddedIssuerKeys embeddedIssuerKeys(OperatorProperties properties, Clock clock, PublicKeys recordKeys)
            throws IOException {
        Path keys = properties.dataDir().resolve("keys");
        char[] password = properties.signing().password() != null ? properties.signing().password().toCharArray()
                : Files.readString(keys.resolve("keystore.password"), StandardCharsets.US_ASCII).strip().toCharArray();
        return EmbeddedIssuerKeys.openOrCreate(keys.resolve(EmbeddedIssuerKeys.FILE), password, clock);
    }

    /** The key that signs access tokens. Record signing uses the operator's own key ring, never this key. */
    @Bean
    RSAKey tokenSigningKey(EmbeddedIssuerKeys keys) {
        return keys.tokenSigningKey();
    }

    @Bean
    CitizenSubjects citizenSubjects(EmbeddedIssuerKeys keys, DemoIdentities identities) {
        return new CitizenSubjects(keys.subjectKey(), identities);
    }

    @Bean
    JWKSource<SecurityContext> jwkSource(RSAKey tokenSigningKey) {
        return new ImmutableJWKSet<>(new JWKSet(tokenSigningKey));
    }

    @Bean
    AuthorizationServerSettings authorizationServerSettings() {
        return AuthorizationServerSettings.builder().build();
    }

    /**
     * What the server's tokens say: a citizen is named by their pairwise pseudonym (in ID tokens too), never
     * by user name or person identifier, which the operator looks up itself (see {@link CitizenSubjects}); and
     * every access token is addressed to this operator ({@code aud}): the configured
     * {@code spring.security.oauth2.resourceserver.jwt.audiences}, or {@value #DEFAULT_AUDIENCE}.
     */
    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> subjectAndAudience(CitizenSubjects subjects,
            @Value("${spring.security.oauth2.resourceserver.jwt.audiences:}") List<String> audiences) {
        List<String> audience = audiences.stream().filter(a -> !a.isBlank()).toList();
        List<String> aud = audience.isEmpty() ? List.of(DEFAULT_AUDIENCE) : audience;
        return context -> {
            String name = context.getPrincipal().getName();
            if (subjects.isCitizen(name)) {
                context.getClaims().subject(subjects.subjectOf(name));
            }
            if (OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
                context.getClaims().audience(aud);
            }
        };
    }
}
