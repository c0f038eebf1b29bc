package org.mydata.operator.api.web;

import java.util.LinkedHashSet;
import java.util.Set;
import org.mydata.operator.api.config.OperatorProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ClientRegistrations;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.oidc.IdTokenClaimNames;

/**
 * The one OpenID Connect provider citizens sign in with, described by its discovery document. The document is
 * read at the first sign-in, not at start, so that the operator (and its API) starts while the provider is away;
 * a failed read is tried again at the next sign-in.
 */
final class ProviderRegistration implements ClientRegistrationRepository {
    /** The registration id: the redirect URI to register at the provider is {@code <origin>/login/oauth2/code/citizen}. */
    static final String ID = "citizen";
    private static final Logger log = LoggerFactory.getLogger(ProviderRegistration.class);
    private final OperatorProperties.SignIn settings;
    private volatile ClientRegistration registration;

    ProviderRegistration(OperatorProperties.SignIn settings) {
        if (settings.clientId() == null || settings.clientId().isBlank()) {
            throw new IllegalStateException("operator.pages.sign-in.issuer-uri needs operator.pages.sign-in.client-id "
                    + "(docs/operating.md, Connecting an OpenID Connect provider)");
        }
        this.settings = settings;
        method(settings); // a wrong name fails the start, not the first sign-in
    }

    @Override
    public ClientRegistration findByRegistrationId(String registrationId) {
        if (!ID.equals(registrationId)) {
            return null;
        }
        ClientRegistration known = registration;
        if (known == null) {
            synchronized (this) {
                if (registration == null) {
                    registration = discover();
                }
                known = registration;
            }
        }
        return known;
    }

    private ClientRegistration discover() {
        try {
            Set<String> scopes = new LinkedHashSet<>();
            scopes.add("openid");
            scopes.addAll(settings.scopes());
            return ClientRegistrations.fromIssuerLocation(settings.issuerUri().toString())
                    .registrationId(ID)
                    .clientId(settings.clientId())
                    .clientSecret(settings.clientSecret())
                    .clientAuthenticationMethod(method(settings))
                    .scope(scopes)
                    .redirectUri("{baseUrl}/login/oauth2/code/{registrationId}")
                    .userNameAttributeName(IdTokenClaimNames.SUB)
                    .clientName(settings.providerName() != null ? settings.providerName() : ID)
                    .build();
        } catch (RuntimeException e) {
            log.warn("the OpenID Connect provider's discovery document at {} could not be read: {}",
                    settings.issuerUri(), e.toString());
            throw e;
        }
    }

    private static ClientAuthenticationMethod method(OperatorProperties.SignIn settings) {
        boolean secret = settings.clientSecret() != null && !settings.clientSecret().isBlank();
        String name = settings.clientAuthentication();
        if (name == null || name.isBlank()) {
            return secret ? ClientAuthenticationMethod.CLIENT_SECRET_BASIC : ClientAuthenticationMethod.NONE;
        }
        return switch (name) {
            case "client_secret_basic" -> ClientAuthenticationMethod.CLIENT_SECRET_BASIC;
            case "client_secret_post" -> ClientAuthenticationMethod.CLIENT_SECRET_POST;
            case "none" -> ClientAuthenticationMethod.NONE;
            default -> throw new IllegalStateException("operator.pages.sign-in.client-authentication must be "
                    + "client_secret_basic, client_secret_post or none, not " + name);
        };
    }
}
