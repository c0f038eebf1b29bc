package org.mydata.operator.signing;

import com.nimbusds.jose.jwk.JWK;
import java.time.Instant;
import java.util.Objects;

/** A public key as the operator publishes it in its JWKS. */
public record PublishedKey(JWK publicJwk, KeyStatus status, Instant createdAt) {
    public PublishedKey {
        Objects.requireNonNull(publicJwk, "publicJwk");
        if (publicJwk.isPrivate()) {
            throw new IllegalArgumentException("a published key must not hold private material");
        }
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public String keyId() {
        return publicJwk.getKeyID();
    }
}
