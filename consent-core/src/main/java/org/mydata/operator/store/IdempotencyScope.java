package org.mydata.operator.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.function.Supplier;
import org.mydata.operator.failure.ConflictException;

/**
 * The idempotency key of the request the current thread is carrying out. While it is open, the first
 * writing transaction that {@link Transactions} begins on this thread records the key in its own
 * transaction, before its work; nested or later transactions leave it alone, and a transaction that rolls
 * back gives it up again. So the stored key proves that the change it guards was committed.
 *
 * <p>A request must therefore make its change in one transaction. Bookkeeping it does on the side (an
 * account made on first use, which any retry makes again harmlessly) runs {@link #outside} the scope.
 */
public final class IdempotencyScope implements AutoCloseable {
    private static final ThreadLocal<IdempotencyScope> CURRENT = new ThreadLocal<>();

    /** Where the key stands. */
    public enum State {
        /** No transaction has recorded it yet. */
        OPEN,
        /** A transaction recorded it and has not ended. */
        RECORDING,
        /** The transaction that recorded it committed: the change is stored. */
        COMMITTED,
        /** The commit of the transaction that recorded it broke off: the change may or may not be stored. */
        UNKNOWN,
        /** Another request holds this key; this one changed nothing. */
        TAKEN
    }

    private final IdempotencyKeys.Claim claim;
    private State state = State.OPEN;

    private IdempotencyScope(IdempotencyKeys.Claim claim) {
        this.claim = Objects.requireNonNull(claim, "claim");
    }

    /** Opens the scope on this thread; close it when the request ends. */
    public static IdempotencyScope open(IdempotencyKeys.Claim claim) {
        if (CURRENT.get() != null) {
            throw new IllegalStateException("an idempotency scope is already open on this thread");
        }
        IdempotencyScope scope = new IdempotencyScope(claim);
        CURRENT.set(scope);
        return scope;
    }

    /** Runs work whose writes the key does not guard, such as idempotent bookkeeping. */
    public static <T> T outside(Supplier<T> work) {
        IdempotencyScope scope = CURRENT.get();
        CURRENT.remove();
        try {
            return work.get();
        } finally {
            if (scope != null) {
                CURRENT.set(scope);
            }
        }
    }

    public State state() {
        return state;
    }

    IdempotencyKeys.Claim claim() {
        return claim;
    }

    @Override
    public void close() {
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
    }

    /**
     * The scope a writing transaction starting now must record, or null. The log's appender calls it on the
     * request's thread and records the key in the batch transaction that carries the request's write.
     */
    public static IdempotencyScope claimForTransaction() {
        IdempotencyScope scope = CURRENT.get();
        if (scope == null || scope.state != State.OPEN) {
            return null;
        }
        scope.state = State.RECORDING;
        return scope;
    }

    /** Records the key on the transaction's connection; refuses the work if another request holds the key. */
    public void record(Connection connection) throws SQLException {
        if (!IdempotencyKeys.insert(connection, claim)) {
            state = State.TAKEN;
            throw new ConflictException("another request with this Idempotency-Key was carried out at the same "
                    + "moment; nothing was changed by this one");
        }
    }

    /** Called once the transaction that recorded the key has ended, on the thread that owns the scope. */
    public void ended(boolean committed, boolean commitBrokeOff) {
        if (state != State.RECORDING) {
            return;
        }
        state = committed ? State.COMMITTED : commitBrokeOff ? State.UNKNOWN : State.OPEN;
    }
}
