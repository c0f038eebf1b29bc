package org.mydata.operator.api.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.mydata.operator.store.UsedAssertionIds;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * A client assertion buys one token: it must carry a {@code jti}, expire within five minutes (SMART Backend
 * Services' bound, which also bounds how long its id is kept), and not have been used before. Runs after
 * Spring's own checks of signature, issuer, subject, audience and times.
 */
final class SingleUseAssertions implements OAuth2TokenValidator<Jwt> {
    static final Duration LONGEST_LIFETIME = Duration.ofMinutes(5);
    /** Clocks differ: an assertion made on a client a little ahead of ours is still accepted. */
    private static final Duration SKEW = Duration.ofSeconds(60);

    private final UsedAssertionIds used;
    private final Clock clock;

    SingleUseAssertions(UsedAssertionIds used, Clock clock) {
        this.used = used;
        this.clock = clock;
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt assertion) {
        String jti = assertion.getId();
        if (jti == null || jti.isBlank()) {
            return refused("The client assertion carries no jti: each assertion needs an id of its own.");
        }
        Instant now = clock.instant();
        Instant expires = assertion.getExpiresAt();
        if (expires == null || expires.isAfter(now.plus(LONGEST_LIFETIME).plus(SKEW))) {
            return refused("The client assertion must expire within five minutes.");
        }
        if (!used.firstUse(assertion.getSubject(), jti, expires, now)) {
            return refused("This client assertion was used before: make a new one, with a new jti, for each token request.");
        }
        return OAuth2TokenValidatorResult.success();
    }

    private static OAuth2TokenValidatorResult refused(String description) {
        return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT, description, null));
    }
}
