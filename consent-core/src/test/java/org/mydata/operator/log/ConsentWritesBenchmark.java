package org.mydata.operator.log;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.mydata.operator.account.Account;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.store.OperatorSchema;
import org.mydata.operator.testing.TestOperator;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Consent writes in process against durable single-row inserts, on one durable PostgreSQL of its own (fsync,
 * synchronous commit and full page writes on), as benchmarks/ scenario 1c and 1b measure them but without the
 * operator and its demo around them, so that it can run before and after a change of consent-core on a busy
 * machine. Not a test (surefire runs *Test only):
 * {@code ./mvnw -B -o -pl consent-core -am test -Dtest=ConsentWritesBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * 16 loops, each on a programme of its own, grant, pause, resume and withdraw; each consent's citizen is drawn from
 * 1,000 accounts, then from 3 (the hot spot). Prints CSR/s, p50, p99 and the ratio to the inserts.
 */
class ConsentWritesBenchmark {
    private static final int LOOPS = 16;
    private static Object SAMPLER;
    private static final long WARM_UP_S = Long.getLong("bench.warmup", 8);
    private static final long MEASURE_S = Long.getLong("bench.seconds", 12);

    @Test
    void consentWritesAgainstInserts() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on").setServerConfig("full_page_writes", "on")
                .setServerConfig("max_connections", "100")
                // Where a batch's statements spend their time on the server, triggers' statements included
                // (printed after each measured window): the appender's own figures see only round trips.
                .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                .setServerConfig("pg_stat_statements.track", "all")
                .setServerConfig("pg_stat_statements.track_planning", "on")
                .start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("create database bench");
                s.execute("create extension pg_stat_statements");
            }
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setServerNames(new String[] {"localhost"});
            ds.setPortNumbers(new int[] {pg.getPort()});
            ds.setDatabaseName("bench");
            ds.setUser("postgres");
            OperatorSchema.migrate(ds);
            DataSource pool = pooled(ds, 24);
            PGSimpleDataSource sampler = new PGSimpleDataSource();
            sampler.setServerNames(new String[] {"localhost"});
            sampler.setPortNumbers(new int[] {pg.getPort()});
            sampler.setDatabaseName("postgres");
            sampler.setUser("postgres");
            SAMPLER = sampler;
            TestOperator op = new TestOperator(Files.createTempDirectory("consent-writes"), pool);
            FhirSource hospital = op.source("Hospital A");
            NewConsent[] grants = new NewConsent[LOOPS];
            for (int i = 0; i < LOOPS; i++) {
                Programme programme = op.heartStudy();
                grants[i] = new NewConsent(programme.id(), null, null, null, null, null);
            }
            Account[] population = new Account[1000];
            ExecutorService makers = Executors.newFixedThreadPool(8);
            List<Future<?>> made = new ArrayList<>();
            for (int i = 0; i < population.length; i++) {
                int n = i;
                made.add(makers.submit(() -> {
                    population[n] = op.newAccount();
                    op.link(population[n], hospital);
                    return null;
                }));
            }
            for (Future<?> f : made) {
                f.get();
            }
            makers.shutdown();
            Account[] hotSpot = Arrays.copyOf(population, 3);

            warmSigning(op);
            double inserts = inserts(pool);
            writes(op, grants, population, "warm-up", WARM_UP_S);
            double spread = writes(op, grants, population, "1,000 citizens", MEASURE_S);
            double hot = writes(op, grants, hotSpot, "3 citizens (hot spot)", MEASURE_S);
            System.out.printf("RESULT inserts %.0f/s; consent writes %.0f CSR/s = %.3f of inserts (1,000 citizens), "
                    + "%.0f CSR/s = %.3f (hot spot); load average %s%n", inserts, spread, spread / inserts, hot,
                    hot / inserts, Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip());
        }
    }

    /**
     * Tink's Ed25519 is pure Java: C2 compiles its field arithmetic only after some 10^4 signatures, which the
     * full run's long warm-up reaches and this short one would not. Signing first measures the operator as it runs
     * after its first minutes, not its JIT.
     */
    private static void warmSigning(TestOperator op) throws Exception {
        int n = Integer.getInteger("bench.signatures", 20_000);
        long started = System.nanoTime();
        ExecutorService signers = Executors.newFixedThreadPool(2);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            done.add(signers.submit(() -> {
                for (int i = 0; i < n / 2; i++) {
                    java.util.Map<String, Object> claims = new java.util.LinkedHashMap<>();
                    claims.put("csr_id", UUID.randomUUID().toString());
                    claims.put("log_index", (long) i);
                    op.keyRing.sign(org.mydata.operator.verify.signing.RecordType.CONSENT_STATUS, claims);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        signers.shutdown();
        System.out.printf("RESULT signing warm-up: %d signatures in %.1f s%n", n, (System.nanoTime() - started) / 1e9);
    }

    /** 16 connections, single-row autocommit inserts of a status record's size, as 1b. */
    private static double inserts(DataSource pool) throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("create table bench_insert (id uuid primary key, consent_id uuid, seq int, record text, "
                    + "created_at timestamptz)");
        }
        String record = "x".repeat(650);
        return loop("single-row inserts", MEASURE_S, w -> {
            try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "insert into bench_insert values (?, ?, 1, ?, now())")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, UUID.randomUUID());
                ps.setString(3, record);
                ps.executeUpdate();
            }
        });
    }

    private static double writes(TestOperator op, NewConsent[] grants, Account[] citizens, String name, long seconds)
            throws Exception {
        op.appender.resetFigures();
        resetServerTimes();
        UUID[] consents = new UUID[LOOPS];
        Account[] holders = new Account[LOOPS];
        int[] steps = new int[LOOPS];
        double rate = loop("consent writes, " + name, seconds, w -> {
            if (consents[w] == null) {
                holders[w] = citizens[ThreadLocalRandom.current().nextInt(citizens.length)];
                consents[w] = op.consents.grant(holders[w], grants[w]).id();
                steps[w] = 0;
                return;
            }
            ConsentStatus next = steps[w] == 0 ? ConsentStatus.PAUSED : steps[w] == 1 ? ConsentStatus.ACTIVE
                    : ConsentStatus.WITHDRAWN;
            op.consents.changeStatus(holders[w], consents[w], next, StatusRecord.ChangedBy.PERSON, null);
            steps[w]++;
            if (next == ConsentStatus.WITHDRAWN) {
                consents[w] = null;
            }
        });
        System.out.println("RESULT batches, " + name + ": " + op.appender.figures());
        printServerTimes(name);
        // End what the loops left live, so that the next run's grants start clean.
        for (int w = 0; w < LOOPS; w++) {
            if (consents[w] != null) {
                op.consents.changeStatus(holders[w], consents[w], ConsentStatus.WITHDRAWN,
                        StatusRecord.ChangedBy.PERSON, null);
                consents[w] = null;
            }
        }
        return rate;
    }

    private static void resetServerTimes() throws SQLException {
        try (Connection c = ((DataSource) SAMPLER).getConnection(); Statement s = c.createStatement()) {
            s.execute("select pg_stat_statements_reset()");
        }
    }

    /**
     * The server's time per statement during the window (pg_stat_statements, nested statements of triggers
     * included: they count in their caller's time too), by total time.
     */
    private static void printServerTimes(String name) throws SQLException {
        try (Connection c = ((DataSource) SAMPLER).getConnection(); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("select calls, total_exec_time, mean_exec_time, rows, "
                     + "mean_plan_time, "
                     + "toplevel, left(regexp_replace(query, '\\s+', ' ', 'g'), 150) as q from pg_stat_statements "
                     + "where dbid = (select oid from pg_database where datname = 'bench') "
                     + "order by total_exec_time + total_plan_time desc limit 24")) {
            System.out.println("RESULT server time per statement, " + name
                    + " (calls, total ms, mean ms, rows, mean planning ms):");
            while (rs.next()) {
                System.out.printf("RESULT   %7d %9.1f %7.3f %8d %7.3f %s %s%n", rs.getLong(1), rs.getDouble(2),
                        rs.getDouble(3), rs.getLong(4), rs.getDouble(5), rs.getBoolean(6) ? "top " : "nest",
                        rs.getString(7));
            }
        }
    }

    interface Step {
        void run(int worker) throws Exception;
    }

    /** Closed loop on 16 threads for the given time; prints and returns operations per second, p50 and p99. */
    private static double loop(String name, long seconds, Step step) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService threads = Executors.newFixedThreadPool(LOOPS);
        List<Future<long[]>> results = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < LOOPS; w++) {
            int worker = w;
            results.add(threads.submit(() -> {
                long[] latencies = new long[1 << 20];
                int n = 0;
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    step.run(worker);
                    if (n < latencies.length) {
                        latencies[n++] = System.nanoTime() - t0;
                    }
                }
                return Arrays.copyOf(latencies, n);
            }));
        }
        java.util.Map<String, Integer> waits = new java.util.TreeMap<>();
        int samples = 0;
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        try (Connection pg = ((DataSource) SAMPLER).getConnection(); PreparedStatement ps = pg.prepareStatement(
                "select state, coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') as w "
                + "from pg_stat_activity where datname = 'bench' and pid <> pg_backend_pid()")) {
            while (System.nanoTime() < until) {
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String k = "active".equals(rs.getString(1)) ? rs.getString(2) : String.valueOf(rs.getString(1));
                        waits.merge(k, 1, Integer::sum);
                    }
                }
                samples++;
                Thread.sleep(20);
            }
        }
        stop.set(true);
        StringBuilder wb = new StringBuilder();
        for (var e : waits.entrySet()) {
            wb.append(String.format(" %s %.2f;", e.getKey(), e.getValue() / (double) samples));
        }
        System.out.println("RESULT pg backends " + name + ":" + wb);
        List<Long> all = new ArrayList<>();
        for (Future<long[]> f : results) {
            for (long l : f.get()) {
                all.add(l);
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        threads.shutdown();
        all.sort(null);
        double rate = all.size() / elapsed;
        System.out.printf("RESULT %s: %.0f/s, p50 %.1f ms, p99 %.1f ms%n", name, rate,
                all.isEmpty() ? Double.NaN : all.get(all.size() / 2) / 1e6,
                all.isEmpty() ? Double.NaN : all.get((int) (all.size() * 0.99)) / 1e6);
        return rate;
    }

    /** A fixed set of connections handed out again on close: the driver's cost per connection stays out. */
    private static DataSource pooled(PGSimpleDataSource ds, int size) throws SQLException {
        BlockingQueue<Connection> idle = new ArrayBlockingQueue<>(size);
        for (int i = 0; i < size; i++) {
            idle.add(ds.getConnection());
        }
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("getConnection")) {
                        return method.invoke(ds, args);
                    }
                    Connection real = idle.take();
                    AtomicBoolean closed = new AtomicBoolean();
                    return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                            (p, m, a) -> {
                                if (m.getName().equals("close")) {
                                    if (closed.compareAndSet(false, true)) {
                                        if (!real.getAutoCommit()) {
                                            real.rollback();
                                            real.setAutoCommit(true);
                                        }
                                        idle.add(real);
                                    }
                                    return null;
                                }
                                if (m.getName().equals("isClosed")) {
                                    return closed.get();
                                }
                                try {
                                    return m.invoke(real, a);
                                } catch (java.lang.reflect.InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            });
                });
    }
}
