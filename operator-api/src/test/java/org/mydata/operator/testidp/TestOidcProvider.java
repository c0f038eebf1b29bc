package org.mydata.operator.testidp;

import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * A second, independent OpenID Connect provider for the browser tests: Spring Authorization Server in a JVM of
 * its own (started by the test, ended by its pid), with Spring Boot's default set-up (its own login form). It
 * knows one confidential client (secret + PKCE) and one person, whose ID token carries the claims a national
 * provider would: a pseudonymous {@code sub}, a name, the person's identifier as a bare value in the claim named
 * by {@code idp.identifier-claim}, and the {@code acr} that was asked for. It also carries a decoy
 * {@code person_identifier} naming someone else, which the operator must not use.
 *
 * <p>Settings, as program arguments: {@code --server.port}, {@code --idp.issuer}, {@code --idp.client-id},
 * {@code --idp.client-secret}, {@code --idp.redirect-uri}, {@code --idp.post-logout-redirect-uri},
 * {@code --idp.username}, {@code --idp.password}, {@code --idp.subject}, {@code --idp.name},
 * {@code --idp.identifier-claim}, {@code --idp.identifier}, {@code --idp.decoy}.
 */
@SpringBootApplication(excludeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
public class TestOidcProvider {

    public static void main(String[] args) {
        SpringApplication.run(TestOidcProvider.class, args);
    }

    @Bean
    AuthorizationServerSettings authorizationServerSettings(Environment env) {
        return AuthorizationServerSettings.builder().issuer(env.getRequiredProperty("idp.issuer")).build();
    }

    @Bean
    RegisteredClientRepository clients(Environment env) {
        return new InMemoryRegisteredClientRepository(RegisteredClient.withId("operator-pages")
                .clientId(env.getRequiredProperty("idp.client-id"))
                .clientSecret("{noop}" + env.getRequiredProperty("idp.client-secret"))
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .redirectUri(env.getRequiredProperty("idp.redirect-uri"))
                .postLogoutRedirectUri(env.getRequiredProperty("idp.post-logout-redirect-uri"))
                .scope(OidcScopes.OPENID).scope(OidcScopes.PROFILE)
                .clientSettings(ClientSettings.builder().requireProofKey(true).requireAuthorizationConsent(false).build())
                .build());
    }

    @Bean
    UserDetailsService people(Environment env) {
        return new InMemoryUserDetailsManager(User.withUsername(env.getRequiredProperty("idp.username"))
                .password("{noop}" + env.getRequiredProperty("idp.password")).roles("PERSON").build());
    }

    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> personClaims(Environment env) {
        String subject = env.getRequiredProperty("idp.subject");
        Map<String, Object> claims = Map.of("name", env.getRequiredProperty("idp.name"),
                env.getRequiredProperty("idp.identifier-claim"), env.getRequiredProperty("idp.identifier"),
                "person_identifier", env.getRequiredProperty("idp.decoy"));
        return context -> {
            // Every token names the person by the pseudonym, the user info (made from the ID token) too.
            context.getClaims().subject(subject);
            if (!OidcParameterNames.ID_TOKEN.equals(context.getTokenType().getValue())) {
                return;
            }
            context.getClaims().claims(all -> all.putAll(claims));
            OAuth2AuthorizationRequest asked = context.getAuthorization() == null ? null
                    : context.getAuthorization().getAttribute(OAuth2AuthorizationRequest.class.getName());
            Object acr = asked == null ? null : asked.getAdditionalParameters().get("acr_values");
            if (acr != null) {
                context.getClaims().claim("acr", List.of(acr.toString().split(" ")).get(0));
            }
        };
    }
}
