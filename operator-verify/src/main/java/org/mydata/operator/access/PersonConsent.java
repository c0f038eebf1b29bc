package org.mydata.operator.access;

import java.util.Objects;
import java.util.UUID;

/** A person and one consent of theirs relied on: what an access event counts resources by. */
public record PersonConsent(UUID accountId, UUID consentId) {
    public PersonConsent {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(consentId, "consentId");
    }
}
