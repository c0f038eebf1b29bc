package org.mydata.operator.failure;

import java.util.UUID;

/**
 * A second consent to a programme the person already consents to, on other terms: refused, naming the live
 * consent, so an edge can point the person (or the client) at it.
 */
public final class LiveConsentExistsException extends ConflictException {
    private final UUID consentId;
    private final String status;

    public LiveConsentExistsException(UUID consentId, String status, String message) {
        super(message);
        this.consentId = consentId;
        this.status = status;
    }

    /** The live consent that stays. */
    public UUID consentId() {
        return consentId;
    }

    /** Its status, {@code active} or {@code paused}. */
    public String status() {
        return status;
    }
}
