package org.mydata.operator.failure;

/** The request is well formed but clashes with the current state (a final withdrawal, an ambiguous match). */
public sealed class ConflictException extends OperatorException permits LiveConsentExistsException {
    public ConflictException(String message) {
        super(message);
    }
}
