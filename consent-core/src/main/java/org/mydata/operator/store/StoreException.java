package org.mydata.operator.store;

import java.time.Duration;
import java.util.Objects;

/**
 * The database failed. Its {@link Kind} says what the caller may be told about its change: the cause goes
 * to the operator's log only.
 */
public final class StoreException extends RuntimeException {
    /** How long a client is asked to wait before retrying when the database is away: about one restart. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    /** What a failure means for the change the caller asked for. */
    public enum Kind {
        /**
         * No connection could be had, or it broke before COMMIT was sent: PostgreSQL rolls back a transaction
         * whose session ends, so nothing of it was stored. Retrying later is safe.
         */
        UNAVAILABLE,
        /**
         * The connection broke while COMMIT was under way: the change may or may not be stored, and only
         * reading the database again can tell.
         */
        OUTCOME_UNKNOWN,
        /** The server answered with an error: the transaction was rolled back, nothing of it was stored. */
        FAILED
    }

    private final Kind kind;

    public StoreException(String message, Throwable cause) {
        this(Kind.FAILED, message, cause);
    }

    public StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }

    /** Whether the same request may succeed once the database is back, so a client should retry. */
    public boolean isTransient() {
        return kind != Kind.FAILED;
    }

    /** The wait to suggest to a client (HTTP {@code Retry-After}) for a transient failure. */
    public Duration retryAfter() {
        return RETRY_AFTER;
    }
}
