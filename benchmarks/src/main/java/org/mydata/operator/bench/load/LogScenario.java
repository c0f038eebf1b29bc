package org.mydata.operator.bench.load;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.mydata.operator.log.CheckpointSigner;
import org.mydata.operator.log.Ed25519NoteSigner;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.LogVerifier;
import org.mydata.operator.log.LogWriter;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.signing.SigningAlgorithm;
import org.mydata.operator.store.OperatorSchema;
import org.mydata.operator.store.Transactions;
import org.postgresql.PGConnection;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Scenario 5, in-process with consent-core's own classes against the operator's PostgreSQL server (in a
 * database of its own, migrated with the operator's schema):
 * <ol>
 * <li>(last, on the grown log) appends from 16 concurrent writers through the operator's {@code LogAppender} (group commit), as
 * the operator's records do, while a {@link LogWriter} with the operator's settings integrates them alongside,
 * and how far its latest checkpoint trails the log is sampled;</li>
 * <li>the log bulk-loaded (COPY) to 10^4, 10^5 and 10^6 entries, integrated by a {@link LogWriter} (its
 * rate is reported), and inclusion and consistency proofs asked at each size;</li>
 * <li>at 10^5 entries, a full verify as an auditor does it: every entry read, hashed and folded into the
 * root ({@link LogVerifier#rootOf}), compared with the signed checkpoint.</li>
 * </ol>
 */
final class LogScenario {
    static final String ORIGIN = "bench.example/log";
    private static final int WRITERS = 16;
    /** Entries up to 10^5 are the size of a status record, so the full verify hashes realistic bytes. */
    private static final int RECORD_SIZE = 650;
    private static final long REALISTIC_UP_TO = 100_000;

    private LogScenario() {
    }

    static void run(Driver.Ctx ctx) throws Exception {
        String database = "bench_log";
        try (Connection c = DriverManager.getConnection(ctx.pgUrl("postgres"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("drop database if exists " + database);
            s.execute("create database " + database);
        }
        Metrics m = ctx.metrics();
        try (HikariDataSource ds = new HikariDataSource()) {
            ds.setJdbcUrl(ctx.pgUrl(database));
            ds.setUsername("postgres");
            ds.setMaximumPoolSize(WRITERS);
            OperatorSchema.migrate(ds);
            PGSimpleDataSource writerSource = new PGSimpleDataSource();
            writerSource.setUrl(ctx.pgUrl(database));
            writerSource.setUser("postgres");
            Transactions tx = new Transactions(ds);
            TransparencyLog log = new TransparencyLog(tx);
            Path keys = Files.createTempDirectory("bench-log-keys");
            KeystoreKeyRing ring = KeystoreKeyRing.openOrCreate(keys.resolve("k.p12"), "bench".toCharArray(), "operator",
                    SigningAlgorithm.EDDSA, Clock.systemUTC());
            CheckpointSigner signer = new CheckpointSigner(ring, Clock.systemUTC(), ORIGIN,
                    Ed25519NoteSigner.over(ORIGIN, ring.ed25519Signer().orElseThrow()));

            long[] sizes = ctx.quick() ? new long[] {10_000, 100_000} : new long[] {10_000, 100_000, 1_000_000};
            for (long size : sizes) {
                grow(ds, log, size, writerSource, signer, m);
                proofs(ctx, tx, log, size, m);
                if (size == REALISTIC_UP_TO) {
                    fullVerify(tx, log, size, m);
                }
            }
            // Last, so that the sizes above are exactly what they say; appends go onto the grown log.
            appends(ctx, new LogAppender(ds, ring), writerSource, signer, m);
        }
        m.put("s5.load", Cpu.loadAverage());
    }

    private static void appends(Driver.Ctx ctx, LogAppender appender, PGSimpleDataSource writerSource,
                                CheckpointSigner signer, Metrics m) throws SQLException {
        byte[] template = new byte[RECORD_SIZE];
        new SplittableRandom(1).nextBytes(template);
        AtomicLong serial = new AtomicLong();
        Cpu cpu = new Cpu(ctx.pid(), ctx.pgData());
        // The operator's own writer settings (CoreConfig): how far behind the checkpoint stays is part of the goal.
        LogWriter.Settings settings = LogWriter.Settings.defaults();
        try (LogWriter writer = new LogWriter(writerSource, signer, settings);
             CheckpointLag lag = new CheckpointLag(writerSource.getConnection())) {
            writer.start();
            lag.start();
            // Quick runs warm up as long as the full run (jpafix): with 3 s a quick run read 2,300 entries/s
            // against the full run's 10,311 (the appender's path and the driver's JDBC not yet compiled).
            Load.Result r = Load.run("log-append", WRITERS, ctx.warmup(10, 10), ctx.warmup(10, 30), (w, rec) -> {
                byte[] entry = template.clone();
                long n = serial.incrementAndGet();
                for (int i = 0; i < 8; i++) {
                    entry[i] = (byte) (n >>> (8 * i));
                }
                // Through the node's appender, as every record of the operator is: concurrent appends share a
                // group commit (one head lock, one WAL flush).
                rec.time("append", () -> appender.append(entry));
            }, () -> {
                cpu.start();
                lag.measure(true);
            }, () -> {
                cpu.stop();
                lag.measure(false);
            });
            m.put("s5.append.writers", WRITERS);
            m.put("s5.append.per_s", r.ops("append"));
            m.put("s5.append.p50_ms", r.percentileMs("append", 50));
            m.put("s5.append.p99_ms", r.percentileMs("append", 99));
            m.put("s5.append.errors", r.errors());
            m.put("s5.append.writer_settings", "batches of at most " + settings.maxBatch() + ", poll every "
                    + settings.pollInterval().toMillis() + " ms");
            lag.record(m, "s5.append.checkpoint");
            cpu.record(m, "s5.append");
            Progress.say("log append: %.0f entries/s from %d writers, p50 %.2f ms, p99 %.2f ms; checkpoint behind by at most "
                            + "%.2f s (p50 %.2f s)", r.ops("append"), WRITERS, r.percentileMs("append", 50),
                    r.percentileMs("append", 99), lag.maxSeconds(), lag.percentileSeconds(50));
        }
    }

    /**
     * How far the signed checkpoint trails the log while writers append: every 20 ms one statement reads the
     * log's size and the latest checkpoint's tree size (one snapshot). The lag of a sample is how long ago the
     * log was last smaller than what the checkpoint now covers, i.e. the longest any entry the checkpoint does
     * not yet cover has been committed, to within one sampling interval (rounded up, never down).
     */
    static final class CheckpointLag implements AutoCloseable {
        private static final long INTERVAL_MS = 20;
        private final Connection connection;
        private final Thread thread;
        private final List<long[]> history = new ArrayList<>();
        private final List<Long> lags = new ArrayList<>();
        private volatile boolean measuring;
        private volatile boolean closed;
        private long maxBehind;
        private volatile String failure;

        CheckpointLag(Connection connection) {
            this.connection = connection;
            this.thread = new Thread(this::loop, "checkpoint-lag");
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void measure(boolean on) {
            measuring = on;
        }

        private void loop() {
            try (PreparedStatement ps = connection.prepareStatement("select (select next_index from log_head), "
                    + "(select coalesce(max(tree_size), 0) from log_checkpoint)")) {
                while (!closed) {
                    long now = System.nanoTime();
                    long size;
                    long checkpoint;
                    try (java.sql.ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        size = rs.getLong(1);
                        checkpoint = rs.getLong(2);
                    }
                    synchronized (this) {
                        history.add(new long[] {now, size});
                        if (measuring) {
                            lags.add(lag(now, size, checkpoint));
                            maxBehind = Math.max(maxBehind, size - checkpoint);
                        }
                    }
                    Thread.sleep(INTERVAL_MS);
                }
            } catch (SQLException e) {
                failure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Now minus the time of the last sample at which the log was still no larger than the checkpoint. */
        private long lag(long now, long size, long checkpoint) {
            if (checkpoint >= size) {
                return 0;
            }
            for (int i = history.size() - 1; i >= 0; i--) {
                if (history.get(i)[1] <= checkpoint) {
                    return now - history.get(i)[0];
                }
            }
            return now - history.get(0)[0];
        }

        synchronized double maxSeconds() {
            return lags.stream().mapToLong(Long::longValue).max().orElse(-1) / 1e9;
        }

        synchronized double percentileSeconds(double p) {
            return Stats.percentile(lags.stream().mapToLong(Long::longValue).toArray(), p) / 1e9;
        }

        synchronized void record(Metrics m, String prefix) {
            if (failure != null) {
                m.put(prefix + ".failure", failure);
                return;
            }
            m.put(prefix + ".lag_max_s", maxSeconds());
            m.put(prefix + ".lag_p50_s", percentileSeconds(50));
            m.put(prefix + ".lag_p99_s", percentileSeconds(99));
            m.put(prefix + ".behind_max_entries", maxBehind);
            m.put(prefix + ".samples", (long) lags.size());
        }

        @Override
        public void close() throws SQLException {
            closed = true;
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            connection.close();
        }
    }

    /** Bulk-loads the log up to size entries with COPY, then lets a writer integrate them; times the writer. */
    private static void grow(HikariDataSource ds, TransparencyLog log, long size, PGSimpleDataSource writerSource,
                             CheckpointSigner signer, Metrics m) throws SQLException, IOException {
        long from = log.sequencedSize();
        if (from >= size) {
            return;
        }
        long t0 = System.nanoTime();
        HexFormat hex = HexFormat.of();
        byte[] record = new byte[RECORD_SIZE];
        new SplittableRandom(size).nextBytes(record);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            PGConnection pg = c.unwrap(PGConnection.class);
            long chunk = 20_000;
            for (long start = from; start < size; start += chunk) {
                long end = Math.min(size, start + chunk);
                StringBuilder rows = new StringBuilder();
                for (long i = start; i < end; i++) {
                    byte[] entry;
                    if (i < REALISTIC_UP_TO) {
                        entry = record.clone();
                        for (int b = 0; b < 8; b++) {
                            entry[b] = (byte) (i >>> (8 * b));
                        }
                    } else {
                        entry = ("{\"bench\":" + i + "}").getBytes(StandardCharsets.US_ASCII);
                    }
                    rows.append(i).append('\t').append("\\\\x").append(hex.formatHex(entry)).append('\t')
                            .append("\\\\x").append(hex.formatHex(MerkleTree.leafHash(entry).bytes())).append('\n');
                }
                pg.getCopyAPI().copyIn("copy log_entry (idx, entry, leaf_hash) from stdin", new StringReader(rows.toString()));
            }
            try (PreparedStatement ps = c.prepareStatement("update log_head set next_index = ?")) {
                ps.setLong(1, size);
                ps.executeUpdate();
            }
            c.commit();
        }
        long t1 = System.nanoTime();
        try (LogWriter writer = new LogWriter(writerSource, signer, new LogWriter.Settings(100_000, Duration.ofSeconds(1)))) {
            while (!(writer.runOnce() instanceof LogWriter.UpToDate)) {
                // integrate batch after batch
            }
        }
        long t2 = System.nanoTime();
        String key = "s5.size." + size;
        m.put(key + ".load_s", (t1 - t0) / 1e9);
        m.put(key + ".integrate_s", (t2 - t1) / 1e9);
        m.put(key + ".integrate_per_s", (size - from) / ((t2 - t1) / 1e9));
        Progress.say("log grown to %d: COPY %.1f s, writer integrated %d entries in %.1f s (%.0f/s)", size, (t1 - t0) / 1e9,
                size - from, (t2 - t1) / 1e9, (size - from) / ((t2 - t1) / 1e9));
    }

    private static void proofs(Driver.Ctx ctx, Transactions tx, TransparencyLog log, long size, Metrics m)
            throws Exception {
        ProofTimings timings = ProofTimings.measure(log, size, ctx.quick());
        long[] inclusion = timings.inclusion();
        long[] consistency = timings.consistency();
        String key = "s5.size." + size;
        m.put(key + ".inclusion_p50_ms", Stats.percentileMs(inclusion, 50));
        m.put(key + ".inclusion_p99_ms", Stats.percentileMs(inclusion, 99));
        m.put(key + ".consistency_p50_ms", Stats.percentileMs(consistency, 50));
        m.put(key + ".consistency_p99_ms", Stats.percentileMs(consistency, 99));
        Progress.say("proofs at %d: inclusion p50 %.3f ms p99 %.3f ms; consistency p50 %.3f ms p99 %.3f ms", size,
                Stats.percentileMs(inclusion, 50), Stats.percentileMs(inclusion, 99), Stats.percentileMs(consistency, 50),
                Stats.percentileMs(consistency, 99));
    }

    /** An auditor's full verify: read every entry, hash it, fold the tree, compare with the signed checkpoint. */
    private static void fullVerify(Transactions tx, TransparencyLog log, long size, Metrics m) {
        long t0 = System.nanoTime();
        List<byte[]> entries = new ArrayList<>((int) size);
        tx.read(c -> {
            for (long start = 0; start < size; start += TransparencyLog.MAX_PAGE) {
                for (LogEntry e : log.entries(c, start, Math.min(size, start + TransparencyLog.MAX_PAGE))) {
                    entries.add(e.entry());
                }
            }
            return null;
        });
        long t1 = System.nanoTime();
        Hash root = LogVerifier.rootOf(entries);
        long t2 = System.nanoTime();
        Hash signed = log.checkpoint(size).map(cp -> cp.rootHash()).orElseGet(() -> log.rootHash(size));
        if (!root.equals(signed)) {
            throw new IllegalStateException("the recomputed root of " + size + " entries differs from the log's");
        }
        m.put("s5.verify.entries", size);
        m.put("s5.verify.read_s", (t1 - t0) / 1e9);
        m.put("s5.verify.hash_s", (t2 - t1) / 1e9);
        m.put("s5.verify.total_s", (t2 - t0) / 1e9);
        Progress.say(String.format(Locale.ROOT, "full verify of %d entries: read %.2f s, hash and fold %.2f s", size,
                (t1 - t0) / 1e9, (t2 - t1) / 1e9));
    }
}
