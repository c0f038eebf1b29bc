package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;

import java.time.Instant;
import java.util.UUID;
import org.mydata.operator.verify.release.ConsentInForce;
import org.mydata.operator.verify.release.Validity;

/**
 * What a status change answers: the new status record and where the consent now stands. Not the consent's
 * whole history, which grows with every change and is read with {@link Consents#get}.
 */
public record StatusChange(UUID consentId, UUID accountId, UUID programmeId, Validity validity, StatusRecord record) {

    public ConsentStatus status() {
        return record.status();
    }

    /** As {@link Consent#isInForce}: active and inside its validity. */
    public boolean isInForce(Instant now) {
        return ConsentInForce.whyNotInForceByTerms(status(), validity, now).isEmpty();
    }
}
