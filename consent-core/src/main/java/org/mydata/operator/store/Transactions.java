package org.mydata.operator.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.OperatorException;

/**
 * Runs work in a single PostgreSQL transaction: all of it commits, or none of it does. A domain
 * failure thrown inside rolls back too, so a refused request never leaves half a record behind.
 *
 * <p>A database failure becomes a {@link StoreException} whose {@link StoreException.Kind} says what the
 * caller may be told: nothing was done, or the outcome is unknown because the connection broke during
 * COMMIT. When the thread runs inside an {@link IdempotencyScope}, the first writing transaction records
 * the scope's key as its first statement, so the key is stored if and only if the change is: that is
 * what lets a client learn the outcome of a commit it never heard back from.
 */
public final class Transactions {
    private static final String UNIQUE_VIOLATION = "23505";
    private final DataSource dataSource;

    public Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public <T> T inTransaction(SqlWork<T> work) {
        return run(work, true);
    }

    /** Read-only work; still one transaction so that what it reads is one consistent snapshot. */
    public <T> T read(SqlWork<T> work) {
        return run(work, false);
    }

    private <T> T run(SqlWork<T> work, boolean writes) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw failure(e, false);
        }
        IdempotencyScope scope = writes ? IdempotencyScope.claimForTransaction() : null;
        boolean committing = false;
        boolean committed = false;
        try {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                if (scope != null) {
                    scope.record(connection);
                }
                T result = work.run(connection);
                committing = true;
                connection.commit();
                committed = true;
                return result;
            } catch (SQLException | RuntimeException e) {
                if (!committing) {
                    rollbackQuietly(connection, e);
                }
                throw e;
            } finally {
                restoreQuietly(connection, autoCommit);
            }
        } catch (SQLException e) {
            throw failureOf(e, committing);
        } catch (OperatorException e) {
            throw e;
        } finally {
            if (scope != null) {
                scope.ended(committed, committing && !committed);
            }
            closeQuietly(connection);
        }
    }

    /**
     * What the caller of a failed transaction is told: a clash with a concurrent change (a unique violation)
     * is a conflict to retry, anything else a {@link StoreException} of the kind {@link DatabaseFailures} finds.
     *
     * @param atCommit whether the failure happened while COMMIT was sent or awaited
     */
    public static RuntimeException failureOf(SQLException e, boolean atCommit) {
        if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
            return new ConflictException("the request clashes with a change made at the same moment; nothing was "
                    + "stored, try again");
        }
        return failure(e, atCommit);
    }

    private static StoreException failure(SQLException e, boolean atCommit) {
        StoreException.Kind kind = DatabaseFailures.classify(e, atCommit);
        String message = switch (kind) {
            case UNAVAILABLE -> "the database is unavailable; the transaction was not committed";
            case OUTCOME_UNKNOWN -> "the connection to the database broke during commit; the outcome is unknown";
            case FAILED -> "database operation failed";
        };
        return new StoreException(kind, message, e);
    }

    // A broken connection fails these too; the first failure is the one that explains what happened.
    private static void rollbackQuietly(Connection connection, Throwable failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    private static void restoreQuietly(Connection connection, boolean autoCommit) {
        try {
            connection.setAutoCommit(autoCommit);
        } catch (SQLException e) {
            // The pool notices the broken connection on its own and drops it.
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // As above: a broken connection is the pool's to discard.
        }
    }
}
