package org.mydata.operator.bench.load;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.UUID;

/**
 * The database limit of scenario 1: single-row inserts, each its own committed transaction, from as many
 * connections as the scenario has loops, into the operator's own PostgreSQL server (a database of its own,
 * so the operator's schema is untouched). Rows are the size of a status record. That server runs as the
 * embedded default starts it, durable ({@code fsync=on}, {@code synchronous_commit=on},
 * {@code full_page_writes=on}: every acknowledged commit is on disk), which is what the operator's own
 * transactions get, so it is the limit the scenario is compared with. For reference, the same inserts also go
 * to a second server from the same binaries started here with the test settings the embedded default ran with
 * before it was made durable ({@code fsync=off}, {@code synchronous_commit=off}): what durability costs.
 */
final class InsertLimit {
    private InsertLimit() {
    }

    static void run(Driver.Ctx ctx) throws SQLException {
        String admin = ctx.pgUrl("postgres");
        String server;
        String fsync;
        try (Connection c = DriverManager.getConnection(admin, "postgres", ""); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("select 1 from pg_database where datname = 'bench_insert'")) {
                if (!rs.next()) {
                    s.execute("create database bench_insert");
                }
            }
            server = show(s, "synchronous_commit");
            fsync = show(s, "fsync");
        }
        String url = ctx.pgUrl("bench_insert");
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("drop table if exists insert_bench");
            s.execute("create table insert_bench (id uuid primary key, consent_id uuid not null, seq int not null, "
                    + "record text not null, created_at timestamptz not null)");
        }
        Metrics m = ctx.metrics();
        m.put("insert.server_synchronous_commit", server);
        m.put("insert.fsync", fsync);
        if (!server.equals("on") || !fsync.equals("on")) {
            Progress.say("the operator's PostgreSQL is not durable (fsync=%s, synchronous_commit=%s): the insert limit "
                    + "is not the durable one", fsync, server);
        }
        m.put("insert.connections", ConsentWrites.LOOPS);
        measure(ctx, url, "insert");
        java.nio.file.Path dir;
        try {
            dir = java.nio.file.Files.createTempDirectory("bench-unsafe-pg");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (EmbeddedPostgres unsafe = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true)
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start()) {
            String unsafeUrl = unsafe.getJdbcUrl("postgres", "postgres");
            try (Connection c = DriverManager.getConnection(unsafeUrl); Statement s = c.createStatement()) {
                m.put("insert_unsafe.fsync", show(s, "fsync"));
                m.put("insert_unsafe.synchronous_commit", show(s, "synchronous_commit"));
                s.execute("create table insert_bench (id uuid primary key, consent_id uuid not null, seq int not null, "
                        + "record text not null, created_at timestamptz not null)");
            }
            measure(ctx, unsafeUrl, "insert_unsafe");
        } catch (java.io.IOException e) {
            Progress.say("the reference PostgreSQL with test settings did not start: %s", e);
        }
    }

    private static void measure(Driver.Ctx ctx, String url, String prefix) {
        String record = "x".repeat(650);
        Connection[] connections = new Connection[ConsentWrites.LOOPS];
        PreparedStatement[] statements = new PreparedStatement[ConsentWrites.LOOPS];
        Load.Result r = Load.run(prefix, ConsentWrites.LOOPS, ctx.warmup(2, 10), ctx.warmup(6, 30), (w, rec) -> {
            if (statements[w] == null) {
                connections[w] = url.contains("user=") ? DriverManager.getConnection(url)
                        : DriverManager.getConnection(url, "postgres", "");
                statements[w] = connections[w].prepareStatement("insert into insert_bench (id, consent_id, seq, record, "
                        + "created_at) values (?, ?, ?, ?, ?)");
            }
            PreparedStatement ps = statements[w];
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, UUID.randomUUID());
            ps.setInt(3, 1);
            ps.setString(4, record);
            ps.setTimestamp(5, new Timestamp(System.currentTimeMillis()));
            rec.time("insert", ps::executeUpdate);
        });
        for (Connection c : connections) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (SQLException ignored) {
                // the run is over
            }
        }
        Metrics m = ctx.metrics();
        m.put(prefix + ".per_s", r.ops("insert"));
        m.put(prefix + ".p50_ms", r.percentileMs("insert", 50));
        m.put(prefix + ".p99_ms", r.percentileMs("insert", 99));
        m.put(prefix + ".load", Cpu.loadAverage());
        Progress.say("%s: %.0f inserts/s, p50 %.2f ms", prefix, r.ops("insert"), r.percentileMs("insert", 50));
    }

    private static String show(Statement s, String setting) throws SQLException {
        try (ResultSet rs = s.executeQuery("show " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
