package org.mydata.operator.store;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tells a lost database from a database that said no. Only a lost connection makes a commit's outcome
 * unknown: when the server itself answers COMMIT with an error, it has rolled the transaction back.
 */
public final class DatabaseFailures {
    /**
     * SQLSTATEs that mean the session is gone or could not be had: class 08 (connection exception, which
     * pgjdbc also uses for I/O errors and socket timeouts), the server shutting down or starting
     * (57P01-57P03), a server out of connection slots (53300).
     */
    private static final Set<String> SESSION_LOST = Set.of("57P01", "57P02", "57P03", "53300");

    private DatabaseFailures() {
    }

    /**
     * @param e         the failure
     * @param atCommit  whether it happened while COMMIT was sent or awaited
     */
    static StoreException.Kind classify(SQLException e, boolean atCommit) {
        if (!connectionLost(e)) {
            return StoreException.Kind.FAILED;
        }
        return atCommit ? StoreException.Kind.OUTCOME_UNKNOWN : StoreException.Kind.UNAVAILABLE;
    }

    /** Whether this failure, or one it carries, says that the connection to the server is gone. */
    public static boolean connectionLost(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        Throwable t = failure;
        while (t != null && seen.put(t, Boolean.TRUE) == null) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || SESSION_LOST.contains(state))) {
                    return true;
                }
                SQLException next = sql.getNextException();
                if (next != null && next != t && connectionLost(next)) {
                    return true;
                }
            }
            t = t.getCause();
        }
        return false;
    }
}
