package org.mydata.operator.access;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** How many resources one access released of one person, under which of their consents. */
public record PersonAccess(UUID accountId, UUID consentId, int resourceCount) {

    /** Whom and under which consent: what counts are summed by. */
    public PersonConsent key() {
        return new PersonConsent(accountId, consentId);
    }

    /**
     * The person's row of an access event as its log entry writes it, and as a citizen's bundle shows their own
     * row of an event that also names others: one writer, so the two can never differ.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("account_id", accountId.toString());
        json.put("consent_id", consentId.toString());
        json.put("resource_count", resourceCount);
        return json;
    }

    /** The counts of two accesses of the same person under the same consent, added. */
    public PersonAccess plus(PersonAccess other) {
        if (!key().equals(other.key())) {
            throw new IllegalArgumentException("counts of different persons or consents are not added");
        }
        return new PersonAccess(accountId, consentId, resourceCount + other.resourceCount);
    }
}
