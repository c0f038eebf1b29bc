package org.mydata.operator.verify.audit;

/** Audit data (a bundle, a checkpoint, a proof, a page of entries) that is not what its format says. */
public final class MalformedAuditDataException extends Exception {
    public MalformedAuditDataException(String message) {
        super(message);
    }

    public MalformedAuditDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
