package org.mydata.operator.representation;

/**
 * The registry of representations could not say for certain (unreachable, too slow, an answer that cannot be
 * read). Nobody acts for anyone on it: {@link Representations} refuses, as for a representation that does not
 * exist ({@link org.mydata.operator.failure.ForbiddenException}, rule {@value Representations#UNCONFIRMED}).
 */
public final class RepresentationUnavailableException extends RuntimeException {
    public RepresentationUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
