package org.mydata.operator.failure;

/** The thing does not exist, or exists but is not the caller's to see: the caller cannot tell which. */
public final class NotFoundException extends OperatorException {
    public NotFoundException(String message) {
        super(message);
    }
}
