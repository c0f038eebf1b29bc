package org.mydata.operator.verify.release;

import java.util.Arrays;
import java.util.Optional;

/**
 * The legal basis a programme rests on, as its permits state it ({@code legal_basis}). It decides who is in a
 * permit's cohort: under {@link #CONSENT} only those who consented (opt-in); under an opt-out basis everyone
 * linked at the programme's sources, unless they objected. It lives beside the auditors' rules because the
 * auditors judge an access event by the basis its permit states.
 */
public enum LegalBasis {
    /** GDPR Art. 6(1)(a) and 9(2)(a): nothing is shared unless the person consents. The default. */
    CONSENT("consent", false),
    /**
     * European Health Data Space (Regulation (EU) 2025/327) Art. 71: electronic health data may be made
     * available for secondary use unless the person opts out; the opt-out needs no reason and can be undone.
     */
    EHDS_SECONDARY_USE("ehds-secondary-use", true),
    /**
     * GDPR Art. 6(1)(e) with 9(2)(j) (scientific research in the public interest, under Union or national law),
     * where the person keeps the Art. 21 right to object; here an objection always takes effect.
     */
    PUBLIC_INTEREST("public-interest", true);

    private final String wire;
    private final boolean optOut;

    LegalBasis(String wire, boolean optOut) {
        this.wire = wire;
        this.optOut = optOut;
    }

    public String wire() {
        return wire;
    }

    /** Whether persons are included unless they object (opt-out), rather than only when they consent. */
    public boolean isOptOut() {
        return optOut;
    }

    public static Optional<LegalBasis> fromWire(String wire) {
        return Arrays.stream(values()).filter(b -> b.wire.equals(wire)).findFirst();
    }

    /** As a permit record states it; a permit signed before the claim existed rests on consent. */
    public static Optional<LegalBasis> ofClaim(Object claim) {
        if (claim == null) {
            return Optional.of(CONSENT);
        }
        return claim instanceof String s ? fromWire(s) : Optional.empty();
    }
}
