package org.mydata.operator.signing;

import java.util.Set;

/**
 * The key ring lacks keys that signed records the database holds: the operator must not start, since it
 * would publish a JWKS under which those records no longer verify.
 */
public final class MissingSigningKeysException extends IllegalStateException {
    private final Set<String> missing;

    public MissingSigningKeysException(String message, Set<String> missing) {
        super(message);
        this.missing = Set.copyOf(missing);
    }

    public Set<String> missing() {
        return missing;
    }
}
