package org.mydata.operator.failure;

/** A FHIR source failed or did not answer in time; nothing was changed because of it. */
public final class SourceUnavailableException extends OperatorException {
    private final boolean timedOut;

    public SourceUnavailableException(String message, boolean timedOut, Throwable cause) {
        super(message, cause);
        this.timedOut = timedOut;
    }

    public boolean timedOut() {
        return timedOut;
    }
}
