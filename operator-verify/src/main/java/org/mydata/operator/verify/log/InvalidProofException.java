package org.mydata.operator.verify.log;

/** A proof, checkpoint or note that does not verify; the message names the reason for an auditor's report. */
public final class InvalidProofException extends Exception {
    public InvalidProofException(String message) {
        super(message);
    }

    public InvalidProofException(String message, Throwable cause) {
        super(message, cause);
    }
}
