package org.mydata.operator.access;

import java.util.UUID;
import org.mydata.operator.verify.release.Refusal;

/**
 * The permit an access would be logged under may not be used for it at the moment its event would enter the log:
 * it was revoked (or its validity ended) while the request ran, or it does not name a type of the event. Nothing
 * was written; the caller releases nothing.
 */
public final class PermitEndedException extends RuntimeException {
    private final UUID permitId;
    private final Refusal refusal;

    PermitEndedException(UUID permitId, Refusal refusal) {
        super("permit " + permitId + " may not be used: " + refusal.text());
        this.permitId = permitId;
        this.refusal = refusal;
    }

    public UUID permitId() {
        return permitId;
    }

    /** The release policy's reason. */
    public Refusal refusal() {
        return refusal;
    }
}
