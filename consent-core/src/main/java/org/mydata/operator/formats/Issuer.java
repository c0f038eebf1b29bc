package org.mydata.operator.formats;

import java.util.Objects;
import java.util.UUID;

/**
 * Who issues a standard record and where the person acts on it: the operator's name and its public origin
 * ({@code https://operator.example.org}), from which every link in a record is built (withdrawal, rights, keys).
 */
public record Issuer(String name, String origin) {
    /** The operator's own IRI in records; a URN so it never pretends to resolve to a page. */
    public static final String OPERATOR_IRI = "urn:mydata-operator:operator";

    public Issuer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(origin, "origin");
        if (origin.endsWith("/")) {
            throw new IllegalArgumentException("the origin has no trailing slash");
        }
    }

    String url(String path) {
        return origin + path;
    }

    /** Where the person pauses, resumes or withdraws this consent (the citizen pages). */
    String consentPage(UUID consentId) {
        return url("/app/consents/" + consentId);
    }

    /** The keys that verify every signed record. */
    String jwks() {
        return url("/.well-known/jwks.json");
    }
}
