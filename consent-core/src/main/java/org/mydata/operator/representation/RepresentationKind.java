package org.mydata.operator.representation;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * On what ground one person acts for another. {@code guardian}: a parent or appointed guardian of a minor (in
 * Finland by the Child Custody and Right of Access Act, the guardian's right ends when the child comes of age);
 * {@code mandate}: an authorization the person gave themself (in Finland a Suomi.fi e-Authorization), which ends
 * when it says or when it is revoked.
 */
public enum RepresentationKind {
    GUARDIAN,
    MANDATE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<RepresentationKind> fromWire(String wire) {
        return Arrays.stream(values()).filter(k -> k.wire().equals(wire)).findFirst();
    }
}
