package org.mydata.operator.verify.access;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * How many resources one access released of one person, and what it relied on: one of their consents (a
 * programme resting on consent), or, under an opt-out basis, the service link through which they were included
 * (the {@code slr_id}); exactly one of the two.
 */
public record PersonAccess(UUID accountId, UUID consentId, UUID slrId, int resourceCount) {

    public PersonAccess {
        Objects.requireNonNull(accountId, "accountId");
        if ((consentId == null) == (slrId == null)) {
            throw new IllegalArgumentException("a person's access relies on a consent or on a link, one of them");
        }
    }

    /** Released under a consent. */
    public PersonAccess(UUID accountId, UUID consentId, int resourceCount) {
        this(accountId, consentId, null, resourceCount);
    }

    /** Released under an opt-out basis, the person included through this service link. */
    public static PersonAccess underOptOut(UUID accountId, UUID slrId, int resourceCount) {
        return new PersonAccess(accountId, null, slrId, resourceCount);
    }

    /** The consent or, under an opt-out basis, the link relied on. */
    public UUID reliedOn() {
        return consentId != null ? consentId : slrId;
    }

    /** Whom and under what: what counts are summed by. */
    public PersonConsent key() {
        return new PersonConsent(accountId, reliedOn());
    }

    /**
     * The person's row of an access event as its log entry writes it, and as a citizen's bundle shows their own
     * row of an event that also names others: one writer, so the two can never differ.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("account_id", accountId.toString());
        if (consentId != null) {
            json.put("consent_id", consentId.toString());
        } else {
            json.put("slr_id", slrId.toString());
        }
        json.put("resource_count", resourceCount);
        return json;
    }

    /** The counts of two accesses of the same person under the same consent or link, added. */
    public PersonAccess plus(PersonAccess other) {
        if (!key().equals(other.key())) {
            throw new IllegalArgumentException("counts of different persons or consents are not added");
        }
        return new PersonAccess(accountId, consentId, slrId, resourceCount + other.resourceCount);
    }
}
