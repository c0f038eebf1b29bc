package org.mydata.operator.log;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.mydata.operator.store.OperatorSchema;
import org.mydata.operator.store.Transactions;
import org.mydata.operator.testing.TestOperator;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Log appends from 16 threads on a durable PostgreSQL (fsync and synchronous commit on): one transaction per
 * entry, as before the appender, against the appender's group commit. Not a test (surefire runs *Test only):
 * {@code ./mvnw -B -pl consent-core test -Dtest=GroupCommitBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * Connections are not pooled here, so both sides pay a connection per transaction; the appender pays it
 * once per batch.
 */
class GroupCommitBenchmark {
    private static final int THREADS = 16;
    private static final long SECONDS = 5;

    @Test
    void appendsPerSecond() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on").setServerConfig("full_page_writes", "on").start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("create database bench");
            }
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setServerNames(new String[] {"localhost"});
            ds.setPortNumbers(new int[] {pg.getPort()});
            ds.setDatabaseName("bench");
            ds.setUser("postgres");
            OperatorSchema.migrate(ds);
            TestOperator op = new TestOperator(Files.createTempDirectory("group-commit"), ds);
            TransparencyLog log = new TransparencyLog(new Transactions(ds));
            Transactions tx = new Transactions(ds);
            byte[] entry = "{\"type\":\"bench\"}".getBytes(StandardCharsets.UTF_8);
            run("warm-up", i -> op.appender.append(entry));
            run("one transaction per entry", i -> tx.inTransaction(c -> LogAppends.append(c, entry)));
            run("LogAppender group commit", i -> op.appender.append(entry));
        }
    }

    private static void run(String name, IntConsumer append) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<Integer>> counts = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < THREADS; t++) {
            counts.add(pool.submit(() -> {
                int n = 0;
                while (!stop.get()) {
                    append.accept(n++);
                }
                return n;
            }));
        }
        Thread.sleep(SECONDS * 1000);
        stop.set(true);
        int total = 0;
        for (Future<Integer> count : counts) {
            total += count.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        System.out.printf("%-28s %7.0f entries/s (%d in %.1f s, %d threads)%n", name, total / seconds, total, seconds,
                THREADS);
    }
}
