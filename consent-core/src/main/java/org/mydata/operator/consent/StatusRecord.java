package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;

import java.time.Instant;
import java.util.UUID;

/**
 * One consent status record (CSR). {@code prevHash} is the base64url SHA-256 of the previous CSR's
 * compact JWS, so the chain of a consent can be checked link by link without the database.
 */
public record StatusRecord(UUID id, UUID consentId, int sequence, ConsentStatus status, ChangedBy changedBy,
                           String reason, String prevHash, String record, Instant createdAt, Long logIndex) {

    /** Who moved the consent: the person themself, or the operator (with a reason). */
    public enum ChangedBy {
        PERSON,
        OPERATOR;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
