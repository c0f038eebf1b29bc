package org.mydata.operator.log;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Appends for tests and tools that write the log directly, in the caller's transaction, the way a
 * {@link LogAppender} batch does ({@link TransparencyLog#lockHead}, {@link TransparencyLog#insertLocked}): the
 * operator itself always appends through the appender.
 */
public final class LogAppends {
    private LogAppends() {
    }

    /** Appends one entry; returns its index. */
    public static long append(Connection c, byte[] entry) throws SQLException {
        return appendAll(c, List.of(entry));
    }

    /** Appends the entry {@code entryAt} makes for the index it is given (a record carrying its log_index). */
    public static long append(Connection c, LongFunction<byte[]> entryAt) throws SQLException {
        long index = TransparencyLog.lockHead(c);
        TransparencyLog.insertLocked(c, index, List.of(entryAt.apply(index)));
        return index;
    }

    /** Appends the entries in order; returns the first one's index. */
    public static long appendAll(Connection c, List<byte[]> entries) throws SQLException {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("nothing to append");
        }
        long first = TransparencyLog.lockHead(c);
        TransparencyLog.insertLocked(c, first, entries);
        return first;
    }
}
