package org.mydata.operator.api.security;

import org.springframework.security.oauth2.server.authorization.InMemoryOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;

/**
 * The embedded authorization server's authorizations (codes and tokens in flight), in memory, one call at a time.
 * Spring's {@link InMemoryOAuth2AuthorizationService}, which the server uses when no service is configured, keeps
 * authorizations that are not yet complete in a synchronized map but iterates over its values unsynchronized in
 * {@code findByToken}: two people exchanging their codes while a third signs in failed with a
 * {@code ConcurrentModificationException} (HTTP 500 from {@code /oauth2/token}; the benchmark's 1,000 sign-ins on
 * eight threads met it within seconds). Each call is short and in memory, so serialising them costs nothing
 * measurable.
 */
final class SerialAuthorizationService implements OAuth2AuthorizationService {
    private final OAuth2AuthorizationService delegate = new InMemoryOAuth2AuthorizationService();

    @Override
    public synchronized void save(OAuth2Authorization authorization) {
        delegate.save(authorization);
    }

    @Override
    public synchronized void remove(OAuth2Authorization authorization) {
        delegate.remove(authorization);
    }

    @Override
    public synchronized OAuth2Authorization findById(String id) {
        return delegate.findById(id);
    }

    @Override
    public synchronized OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
        return delegate.findByToken(token, tokenType);
    }
}
