package org.mydata.operator.store;

/** The database failed. Callers see a generic server error; the cause goes to the operator's log only. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
