package org.mydata.operator.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.OperatorException;

/**
 * Runs work in a single PostgreSQL transaction: all of it commits, or none of it does. A domain
 * failure thrown inside rolls back too, so a refused request never leaves half a record behind.
 */
public final class Transactions {
    private static final String UNIQUE_VIOLATION = "23505";
    private final DataSource dataSource;

    public Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public <T> T inTransaction(SqlWork<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new ConflictException("the request clashes with a change made at the same moment; nothing was "
                        + "stored, try again");
            }
            throw new StoreException("database operation failed", e);
        } catch (OperatorException e) {
            throw e;
        }
    }

    /** Read-only work; still one transaction so that what it reads is one consistent snapshot. */
    public <T> T read(SqlWork<T> work) {
        return inTransaction(work);
    }
}
