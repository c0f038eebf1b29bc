package org.mydata.operator.access;

import java.util.UUID;

/** How many resources one access released of one person, under which of their consents. */
public record PersonAccess(UUID accountId, UUID consentId, int resourceCount) {

    /** Whom and under which consent: what counts are summed by. */
    public PersonConsent key() {
        return new PersonConsent(accountId, consentId);
    }

    /** The counts of two accesses of the same person under the same consent, added. */
    public PersonAccess plus(PersonAccess other) {
        if (!key().equals(other.key())) {
            throw new IllegalArgumentException("counts of different persons or consents are not added");
        }
        return new PersonAccess(accountId, consentId, resourceCount + other.resourceCount);
    }
}
