package org.mydata.operator.api.config;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a PostgreSQL server keeps every commit it acknowledges. The transparency log promises that an
 * acknowledged record is never missing; that holds only while the server writes its WAL to disk before it
 * answers, so a server that would not is refused at start unless the operator explicitly accepts the risk.
 */
public final class DatabaseDurability {
    private static final Logger log = LoggerFactory.getLogger(DatabaseDurability.class);

    /** The override's name, as the refusal tells it. */
    public static final String OVERRIDE = "operator.database.allow-unsafe-durability";

    /** One server setting as the operator's own session sees it, and what it must be instead when unsafe. */
    public record Setting(String name, String value, String required) {
        public boolean safe() {
            return required == null;
        }

        @Override
        public String toString() {
            return name + "=" + value;
        }
    }

    /** The settings that decide whether an acknowledged commit survives a crash. */
    public record Report(List<Setting> settings) {
        public List<Setting> unsafe() {
            return settings.stream().filter(s -> !s.safe()).toList();
        }

        public boolean safe() {
            return unsafe().isEmpty();
        }

        public String summary() {
            return settings.stream().map(Setting::toString).collect(Collectors.joining(", "));
        }

        /** What is wrong and how to put it right, naming each unsafe setting. */
        public String problem() {
            return unsafe().stream().map(s -> s + " (must be " + s.required() + ")").collect(Collectors.joining(", "));
        }
    }

    private DatabaseDurability() {
    }

    /**
     * Reads the settings in a session of the operator's own user: a role or database default such as
     * {@code ALTER ROLE ... SET synchronous_commit = off} applies to the operator's transactions, so it counts.
     */
    public static Report inspect(Connection c) throws SQLException {
        List<Setting> settings = new ArrayList<>();
        String fsync = show(c, "fsync");
        settings.add(new Setting("fsync", fsync, on(fsync) ? null : "on"));
        // off acknowledges before the WAL is flushed; every other level (local, remote_write, on,
        // remote_apply) flushes it locally first, which is the guarantee promised here.
        String synchronousCommit = show(c, "synchronous_commit");
        settings.add(new Setting("synchronous_commit", synchronousCommit,
                synchronousCommit.equalsIgnoreCase("off") ? "on, or remote_apply with synchronous replicas" : null));
        String fullPageWrites = show(c, "full_page_writes");
        settings.add(new Setting("full_page_writes", fullPageWrites, on(fullPageWrites) ? null : "on"));
        return new Report(List.copyOf(settings));
    }

    /**
     * Checks the server behind {@code dataSource} at start: refuses an unsafe one with a message naming the
     * settings, or, with the override, warns loudly and goes on.
     *
     * @param which how to name the server in messages, e.g. "the configured PostgreSQL (spring.datasource.url)"
     * @throws UnsafeDatabaseException when the server is unsafe and the override is not set
     */
    public static Report require(DataSource dataSource, String which, boolean allowUnsafe) {
        Report report;
        try (Connection c = dataSource.getConnection()) {
            report = inspect(c);
        } catch (SQLException e) {
            throw new IllegalStateException("the durability settings of " + which + " could not be read: "
                    + e.getMessage(), e);
        }
        if (report.safe()) {
            log.info("{} is durable: {}", capitalised(which), report.summary());
            return report;
        }
        if (!allowUnsafe) {
            throw new UnsafeDatabaseException(capitalised(which) + " could acknowledge commits it then loses: "
                    + report.problem() + ". Acknowledged records (a person's withdrawal, its log index) could vanish in "
                    + "a crash. Change these settings on the server (postgresql.conf or ALTER SYSTEM, then reload), "
                    + "or, for data you can afford to lose only, set " + OVERRIDE + "=true (docs/operating.md, "
                    + "Durability).");
        }
        log.warn("UNSAFE DATABASE: {} could acknowledge commits it then loses: {}. Running anyway because {}=true; "
                + "acknowledged records may be lost in a crash.", which, report.problem(), OVERRIDE);
        return report;
    }

    /** The operator refuses to start on a server that could lose acknowledged commits. */
    public static final class UnsafeDatabaseException extends IllegalStateException {
        public UnsafeDatabaseException(String message) {
            super(message);
        }
    }

    private static boolean on(String value) {
        return value.equalsIgnoreCase("on");
    }

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("show " + setting)) {
            rs.next();
            return rs.getString(1).toLowerCase(Locale.ROOT);
        }
    }

    private static String capitalised(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
