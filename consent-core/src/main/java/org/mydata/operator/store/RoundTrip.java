package org.mydata.operator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Statements that go to PostgreSQL together and come back together: one round trip for all of them. The driver
 * sends a multi-statement query as one message stream with one Sync, so the server runs them one after another
 * without waiting for the client in between. Each still runs on its own, in order, in the connection's transaction
 * (its own snapshot under READ COMMITTED, its constraints checked at its end); the first that fails fails the round
 * trip and the ones after it do not run (the transaction is then aborted, as after any failed statement).
 *
 * <p>Used by the log appender's batch, where every round trip is time the whole batch waits: the head's lock and
 * the batch's read-ahead go in one, the batch's rows and log entries in another. The SQL must not contain
 * {@code ;} or {@code ?} other than as parameters.
 */
public final class RoundTrip {
    /** Sets one statement's parameters; {@code first} is the index of its first one in the whole round trip. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement ps, int first) throws SQLException;
    }

    /** Reads a statement's rows. */
    @FunctionalInterface
    public interface Reader {
        void read(ResultSet rs) throws SQLException;
    }

    private record Item(String sql, int parameters, Binder binder, Reader reader) {
    }

    private final List<Item> items = new ArrayList<>();

    /** A statement that changes rows (its update count is not read). */
    public RoundTrip update(String sql, Binder binder) {
        return add(sql, binder, null);
    }

    /** A statement whose rows {@code reader} reads once the round trip came back. */
    public RoundTrip query(String sql, Binder binder, Reader reader) {
        if (reader == null) {
            throw new IllegalArgumentException("a query needs a reader");
        }
        return add(sql, binder, reader);
    }

    private RoundTrip add(String sql, Binder binder, Reader reader) {
        if (sql.indexOf(';') >= 0) {
            throw new IllegalArgumentException("one statement at a time");
        }
        int parameters = 0;
        for (int i = 0; i < sql.length(); i++) {
            if (sql.charAt(i) == '?') {
                parameters++;
            }
        }
        if (parameters > 0 && binder == null) {
            throw new IllegalArgumentException("a statement with parameters needs a binder");
        }
        items.add(new Item(sql, parameters, binder, reader));
        return this;
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    public int size() {
        return items.size();
    }

    /** Sends every statement added since the last run, in one round trip, and reads the answers; then empty. */
    public void run(Connection c) throws SQLException {
        if (items.isEmpty()) {
            return;
        }
        List<Item> sent = List.copyOf(items);
        items.clear();
        StringBuilder sql = new StringBuilder();
        for (Item item : sent) {
            if (!sql.isEmpty()) {
                sql.append(";\n");
            }
            sql.append(item.sql());
        }
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int first = 1;
            for (Item item : sent) {
                if (item.binder() != null) {
                    item.binder().bind(ps, first);
                }
                first += item.parameters();
            }
            boolean rows = ps.execute();
            for (int i = 0; i < sent.size(); i++) {
                if (i > 0) {
                    rows = ps.getMoreResults();
                }
                Item item = sent.get(i);
                if (item.reader() != null) {
                    if (!rows) {
                        throw new IllegalStateException("statement " + (i + 1) + " of the round trip gave no rows");
                    }
                    try (ResultSet rs = ps.getResultSet()) {
                        item.reader().read(rs);
                    }
                }
            }
        }
    }
}
