package org.mydata.operator.signing;

import com.nimbusds.jose.JWSAlgorithm;

/** The algorithms the operator signs records with; EdDSA (Ed25519) unless configured otherwise. */
public enum SigningAlgorithm {
    EDDSA(JWSAlgorithm.EdDSA, "Ed25519"),
    ES256(JWSAlgorithm.ES256, "SHA256withECDSA");

    private final JWSAlgorithm jws;
    private final String certificateSignature;

    SigningAlgorithm(JWSAlgorithm jws, String certificateSignature) {
        this.jws = jws;
        this.certificateSignature = certificateSignature;
    }

    public JWSAlgorithm jws() {
        return jws;
    }

    String certificateSignature() {
        return certificateSignature;
    }

    public static SigningAlgorithm fromName(String name) {
        for (SigningAlgorithm a : values()) {
            if (a.jws.getName().equalsIgnoreCase(name) || a.name().equalsIgnoreCase(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown signing algorithm '" + name + "': use EdDSA or ES256");
    }
}
