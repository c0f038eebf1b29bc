package org.mydata.operator.failure;

/**
 * The one error model of the domain. Each subtype names a kind of failure that an edge
 * (REST, FHIR, CLI) maps to its own wire format; the message is safe to show to the caller,
 * so it never carries personal data or internals.
 */
public abstract sealed class OperatorException extends RuntimeException
        permits NotFoundException, ConflictException, InvalidRequestException, SourceUnavailableException,
        ForbiddenException, LimitReachedException {

    protected OperatorException(String message) {
        super(message);
    }

    protected OperatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
