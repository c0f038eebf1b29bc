package org.mydata.operator.account;

import java.util.Objects;
import org.mydata.operator.failure.InvalidRequestException;

/**
 * A person's verified identifier as the identity provider asserts it, in FHIR token form
 * {@code system|value} (for example a national id). It is personal data: it is used to find the
 * person at a source and is never written into a signed record or the log.
 */
public record PersonIdentifier(String system, String value) {
    public PersonIdentifier {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(value, "value");
    }

    public static PersonIdentifier parse(String token) {
        if (token == null) {
            throw new InvalidRequestException(null, "the token carries no verified person identifier");
        }
        int bar = token.indexOf('|');
        if (bar <= 0 || bar == token.length() - 1 || token.indexOf('|', bar + 1) >= 0) {
            throw new InvalidRequestException(null, "the token's person identifier is not of the form system|value");
        }
        return new PersonIdentifier(token.substring(0, bar), token.substring(bar + 1));
    }

    /** The FHIR search token, {@code system|value}. */
    public String asToken() {
        return system + "|" + value;
    }

    @Override
    public String toString() {
        return "PersonIdentifier[system=" + system + ", value=***]";
    }
}
