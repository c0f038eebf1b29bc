package org.mydata.operator.failure;

/** The request itself is wrong: a value out of range, a scope wider than allowed, an unknown code. */
public final class InvalidRequestException extends OperatorException {
    private final String field;

    public InvalidRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The request field at fault, or null when the whole request is. */
    public String field() {
        return field;
    }
}
