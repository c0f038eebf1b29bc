package org.mydata.operator.verify.access;

import java.util.Objects;
import java.util.UUID;

/** A person and what an access relied on for them (a consent, or under an opt-out basis a link): what an access event counts resources by. */
public record PersonConsent(UUID accountId, UUID consentId) {
    public PersonConsent {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(consentId, "consentId");
    }
}
