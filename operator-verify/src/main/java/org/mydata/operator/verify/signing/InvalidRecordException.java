package org.mydata.operator.verify.signing;

/** A record that does not verify: bad signature, unknown key, wrong type, or not a JWS at all. */
public final class InvalidRecordException extends Exception {
    public InvalidRecordException(String message) {
        super(message);
    }

    public InvalidRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
