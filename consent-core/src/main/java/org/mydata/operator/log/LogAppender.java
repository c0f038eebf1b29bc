package org.mydata.operator.log;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.mydata.operator.signing.KeyRing;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.store.DatabaseFailures;
import org.mydata.operator.store.IdempotencyScope;
import org.mydata.operator.store.RoundTrip;
import org.mydata.operator.store.StoreException;
import org.mydata.operator.store.Transactions;

/**
 * The one way a signed record or a log entry is made on this node: group commit.
 *
 * <p>Requests hand their write to {@link #submit} and wait. One of the waiting threads at a time leads: it
 * takes every write queued so far (up to {@code maxBatch}) and, in <b>one</b> transaction, locks the log's
 * head once, runs each write in queue order, signs each record at the index it gets, inserts the log entries
 * in one statement and commits once. Every request in the batch is answered when that commit returns. There
 * is no linger: a write that finds no batch running starts one at once, and the writes that arrive while a
 * batch runs form the next one, which starts as soon as the running one sends its COMMIT (its first statement
 * then waits at the server for the head, {@link #handOff}). An idle operator so adds nothing to a person's
 * "withdraw", and under load the batches grow by themselves to what arrived during one batch. A batch's
 * statements go in few round trips ({@link RoundTrip}): the head's lock with the parts' read-ahead, then the
 * parts' rows with the log entries, then COMMIT.
 *
 * <p>A write comes in two parts ({@link Write}): its <em>check</em>, which only reads and locks and refuses
 * by throwing, and the <em>step</em> it returns, which writes and signs. They run at the write's place in the
 * batch, so a check sees every write before it in the same batch (a withdrawal, then an access event that
 * relied on the consent: the event is refused). A refused check fails that write alone and the batch goes on:
 * it changed nothing. When a statement fails (the database said no), the transaction is lost: it is rolled
 * back, that write fails with the database's answer, and the batch runs again without it. When the
 * connection is lost, nothing of the batch was stored ({@link StoreException.Kind#UNAVAILABLE}); when it is
 * lost during COMMIT, every write of the batch has an unknown outcome ({@link StoreException.Kind#OUTCOME_UNKNOWN}).
 *
 * <p>A request's Idempotency-Key ({@link IdempotencyScope}) is recorded in the batch transaction, after the
 * write's check and before its step, so the key is stored if and only if the write is.
 *
 * <p>A write may share a {@link Part} with the batch's other writes of its kind ({@link Shared}): the part reads
 * ahead for all of them in one statement, their steps fix their records' indexes and defer the signatures
 * ({@link Batch#signLater}) and the rows, and the batch <em>settles</em> (signs the deferred records on several
 * threads, then lets each part store its rows in a few batched statements) at its end, before any write that
 * shares no part runs its check, and where a part asks. So a batch of such writes costs a handful of round trips
 * whatever its size. When storing a part's rows fails, the batch runs again serially (each write's rows stored
 * right after its step), so that the failure names its write. docs/transparency-log.md (Group commit).
 *
 * <p>Callers must not hold a transaction of their own while they submit: the batch could wait for their locks.
 */
public final class LogAppender {
    /** The default cap on a batch: Tessera's too; larger batches add latency to the writes at their end. */
    public static final int DEFAULT_MAX_BATCH = 256;

    /** A write's checks, at its place in the batch: reads and locks only; throws to refuse. */
    @FunctionalInterface
    public interface Write<T> {
        Step<T> check(Connection c) throws SQLException;
    }

    /** What a write stores once its checks passed. It should not refuse any more: its check is the place. */
    @FunctionalInterface
    public interface Step<T> {
        T write(Batch batch) throws SQLException;
    }

    /** The batch as one write sees it. */
    public interface Batch {
        Connection connection();

        /** Signs the claims with the active key and appends the record as the next log entry. */
        Appended sign(RecordType type, Map<String, Object> claims);

        /** As {@link #sign}, for records that carry their own {@code log_index}: adds it to the claims first. */
        Appended signAtIndex(RecordType type, Map<String, Object> claims);

        /** Appends an entry that is not a signed record (an access event); returns its index. */
        long append(byte[] entry);

        /**
         * As {@link #sign}, but the signature is made later, in parallel with the batch's other deferred ones: the
         * index is fixed now, the record is there once the batch settles. The claims must be complete: they are
         * copied now.
         */
        Later signLater(RecordType type, Map<String, Object> claims);

        /** As {@link #signLater}, adding the record's own {@code log_index} to the claims first. */
        Later signAtIndexLater(RecordType type, Map<String, Object> claims);

        /** Signs every deferred record (on several threads) and flushes every part, in the order they were made. */
        void settle() throws SQLException;
    }

    /** A signed record and its index in the log. */
    public record Appended(String record, long logIndex) {
    }

    /**
     * A record whose place in the log is fixed ({@link #logIndex}) and whose signature the batch makes later, with
     * the batch's other deferred signatures, on several threads ({@link Batch#signLater}). Its {@link #record} is
     * there once the batch has {@linkplain Batch#settle settled}: before any write that does not share a
     * {@link Part} runs its check, before any part flushes, and before the batch's log entries are stored.
     */
    public static final class Later {
        private final RecordType type;
        private final Map<String, Object> claims;
        private final long logIndex;
        private volatile String record;

        private Later(RecordType type, Map<String, Object> claims, long logIndex) {
            this.type = type;
            this.claims = claims;
            this.logIndex = logIndex;
        }

        public long logIndex() {
            return logIndex;
        }

        /** The signed record; only once the batch has settled. */
        public String record() {
            String signed = record;
            if (signed == null) {
                throw new IllegalStateException("the record at " + logIndex + " is not signed yet: read it in a "
                        + "part's flush or after the batch committed");
            }
            return signed;
        }

        public boolean signed() {
            return record != null;
        }
    }

    /**
     * What the writes of one kind share in one batch (one instance per batch and {@link PartKey}): the reads they
     * make ahead, all at once, and the rows they store behind, all at once. Made for each attempt of a batch, so a
     * batch that runs again without a failed write starts from a fresh part.
     */
    public interface Part {
        /**
         * Adds the statements that read ahead for this part's writes to the batch's first round trip, after the
         * head's lock (so they lock what they lock after it, as every batch does). Their answers are there before
         * any check runs. A part that adds none reads when its writes first ask.
         */
        default void readAhead(Connection c, RoundTrip trip) throws SQLException {
        }

        /**
         * Stores the rows this part's writes deferred since the last flush (their {@link Later} records are signed
         * by now): adds their statements to {@code trip}, which the batch sends in one round trip, at its end with
         * the log's entries. A part that must read before it writes may run {@code trip} itself first. Runs when
         * the batch {@linkplain Batch#settle settles}.
         */
        void flush(Connection c, RoundTrip trip) throws SQLException;

        /**
         * A write that shares no part with this one ran its step: what this part read ahead may no longer be true,
         * so it reads again before it answers from it. Its own deferred rows were flushed before that write ran.
         */
        default void stale() {
        }
    }

    /** Names a kind of {@link Part}; one instance per batch and key. Keys are compared by identity. */
    public static final class PartKey<P extends Part> {
        private final java.util.function.Function<Batch, P> factory;

        public PartKey(java.util.function.Function<Batch, P> factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
        }
    }

    /**
     * A write that shares a {@link Part} with the batch's other writes of its kind. Before any check of the batch
     * runs, every such write {@linkplain #join joins} its part (and tells it what it will read, so that one
     * statement reads ahead for all of them). Its check then answers from the part; the part settles the batch
     * itself where it needs to see its own deferred rows in the database. Unlike other writes, it does not make
     * the batch settle before its check, which is what lets many of them share a handful of statements.
     */
    public interface Shared<T, P extends Part> extends Write<T> {
        PartKey<P> part();

        /** Called once per attempt of the batch, before any check: this write's part for this attempt. */
        void join(P part);
    }

    private final DataSource dataSource;
    private final KeyRing keyRing;
    private final int maxBatch;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition batchEnded = lock.newCondition();
    private final ArrayDeque<Pending<?>> queue = new ArrayDeque<>();
    /** A thread is forming or running a batch that has not yet reached its COMMIT. */
    private boolean leading;

    public LogAppender(DataSource dataSource, KeyRing keyRing) {
        this(dataSource, keyRing, DEFAULT_MAX_BATCH);
    }

    public LogAppender(DataSource dataSource, KeyRing keyRing, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("a batch holds at least one write");
        }
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.keyRing = Objects.requireNonNull(keyRing, "keyRing");
        this.maxBatch = maxBatch;
    }

    /**
     * Runs the write in the next batch and returns its result once the batch has committed.
     *
     * @throws RuntimeException what the write's check threw, or the database failure of its batch
     */
    public <T> T submit(Write<T> write) {
        Pending<T> pending = new Pending<>(Objects.requireNonNull(write, "write"),
                IdempotencyScope.claimForTransaction());
        lock.lock();
        try {
            queue.addLast(pending);
            while (!pending.done) {
                if (leading || pending.taken) {
                    // A request must learn what became of its write, so an interrupt does not end the wait.
                    batchEnded.awaitUninterruptibly();
                    continue;
                }
                leading = true;
                List<Pending<?>> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
                while (!queue.isEmpty() && batch.size() < maxBatch) {
                    Pending<?> next = queue.pollFirst();
                    next.taken = true;
                    batch.add(next);
                }
                Run run = new Run();
                lock.unlock();
                try {
                    run(batch, run);
                } finally {
                    lock.lock();
                    for (Pending<?> p : batch) {
                        p.done = true;
                    }
                    if (!run.handedOff) {
                        leading = false;
                    }
                    batchEnded.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
        if (pending.scope != null) {
            pending.scope.ended(pending.failure == null, pending.outcomeUnknown);
        }
        if (pending.failure != null) {
            throw pending.failure;
        }
        return pending.result;
    }

    /** Appends an entry that needs no checks and returns its index. */
    public long append(byte[] entry) {
        TransparencyLog.checkEntry(entry);
        return submit(c -> b -> b.append(entry));
    }

    /** How many writes wait for the next batch; tests use it to line writes up behind a running batch. */
    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * One batch's run: whether it stores each write's deferred rows right after its step (after a failed flush), and
     * whether it has let the next batch start.
     */
    private static final class Run {
        boolean serial;
        boolean handedOff;
    }

    /**
     * The batch is about to COMMIT: the next batch may start now. Its first statement waits for the head's lock,
     * which this batch holds until its COMMIT has returned (WAL flushed), so the next batch's checks still see
     * everything this one stored; what it gains is that its connection, its read-ahead and its first round trip
     * are already waiting at the server when the lock is free, instead of starting after this batch's
     * acknowledgements. At most one batch waits so: the next one hands on only at its own COMMIT.
     */
    private void handOff(Run run) {
        lock.lock();
        try {
            if (!run.handedOff) {
                run.handedOff = true;
                leading = false;
                batchEnded.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void run(List<Pending<?>> batch, Run run) {
        List<Pending<?>> remaining = new ArrayList<>(batch);
        try {
            while (!remaining.isEmpty()) {
                remaining = attempt(remaining, run);
            }
        } catch (RuntimeException | Error e) {
            // A bug, not a refusal: nothing of this batch commits, and every waiting request hears of it.
            for (Pending<?> p : batch) {
                if (p.failure == null && !p.committed) {
                    p.failure = new IllegalStateException("the batch of log writes failed", e);
                }
            }
            if (e instanceof Error error) {
                throw error;
            }
        }
    }

    /**
     * One transaction over the writes. Returns the writes to run again (the batch without the write whose
     * statement failed), or none when the batch ended: committed, or failed as a whole.
     */
    /**
     * What this appender's committed batches were like, summed since it started (or {@link #resetFigures}): how many
     * batches and writes, and the wall time of a batch's parts: from taking a connection to the head's lock and
     * read-ahead coming back, the checks and steps, signing the deferred records, the last round trip (rows and
     * log entries), COMMIT. For the benchmarks' reading of where a write's time goes; nothing depends on it.
     */
    public record Figures(long batches, long writes, long aheadNanos, long checkNanos, long signNanos,
                          long lastNanos, long commitNanos) {
        public double writesPerBatch() {
            return batches == 0 ? 0 : writes / (double) batches;
        }

        @Override
        public String toString() {
            if (batches == 0) {
                return "no batches";
            }
            double n = batches * 1e6;
            return String.format(java.util.Locale.ROOT, "%d batches, %.1f writes per batch; per batch: head and "
                    + "read-ahead %.2f ms, checks %.2f ms, signing %.2f ms, rows and entries %.2f ms, commit %.2f ms",
                    batches, writesPerBatch(), aheadNanos / n, checkNanos / n, signNanos / n, lastNanos / n,
                    commitNanos / n);
        }
    }

    private final java.util.concurrent.atomic.LongAdder[] figures = {new java.util.concurrent.atomic.LongAdder(),
            new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder(),
            new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder(),
            new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder()};

    public Figures figures() {
        return new Figures(figures[0].sum(), figures[1].sum(), figures[2].sum(), figures[3].sum(), figures[4].sum(),
                figures[5].sum(), figures[6].sum());
    }

    public void resetFigures() {
        for (java.util.concurrent.atomic.LongAdder f : figures) {
            f.reset();
        }
    }

    private List<Pending<?>> attempt(List<Pending<?>> writes, Run run) {
        long started = System.nanoTime();
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            failAll(writes, e, false);
            return List.of();
        }
        List<Pending<?>> applied = new ArrayList<>(writes.size());
        boolean committing = false;
        boolean committed = false;
        try {
            c.setAutoCommit(false);
            State state = new State(c);
            for (Pending<?> p : writes) {
                if (p.write instanceof Shared<?, ?> shared) {
                    state.join(shared);
                }
            }
            // One round trip: BEGIN, the head's lock, and what the parts read ahead for their writes.
            RoundTrip ahead = new RoundTrip();
            TransparencyLog.lockHead(c, ahead, head -> state.first = head);
            for (Part part : state.parts.values()) {
                part.readAhead(c, ahead);
            }
            ahead.run(c);
            long checking = System.nanoTime();
            for (Pending<?> p : writes) {
                boolean shared = p.write instanceof Shared<?, ?>;
                Step<?> step;
                try {
                    if (!shared) {
                        // A write that shares no part reads the database: it must find the deferred rows there.
                        state.settle();
                    }
                    step = p.write.check(c);
                    if (p.scope != null) {
                        p.scope.record(c);
                    }
                } catch (SettleFailed f) {
                    return settleFailed(c, writes, p, f, run);
                } catch (RuntimeException refused) {
                    // A check only reads and locks, and a taken key inserts nothing: the transaction is intact.
                    p.failure = refused;
                    continue;
                } catch (SQLException e) {
                    return lost(c, writes, p, e);
                }
                try {
                    p.accept(step, state);
                    if (run.serial) {
                        state.settle();
                    }
                    if (!shared) {
                        state.stale();
                    }
                } catch (SettleFailed f) {
                    return settleFailed(c, writes, p, f, run);
                } catch (SQLException e) {
                    return lost(c, writes, p, e);
                } catch (RuntimeException e) {
                    // The step may have written part of its rows: only a rollback takes them back.
                    rollbackQuietly(c, e);
                    p.failure = e;
                    return again(writes, p);
                }
                applied.add(p);
            }
            long settling = System.nanoTime();
            // The last round trip before COMMIT: the parts' rows and the log's entries.
            RoundTrip last = new RoundTrip();
            try {
                state.settle(last);
            } catch (SettleFailed f) {
                return settleFailed(c, writes, null, f, run);
            }
            long storing = System.nanoTime();
            // Counted before the entries join: a batch's entries alone may take several statements (slices).
            boolean rowsToo = !last.isEmpty();
            if (!state.entries.isEmpty()) {
                TransparencyLog.insertLocked(last, state.first, state.entryBytes());
            }
            try {
                last.run(c);
            } catch (SQLException e) {
                if (rowsToo && !DatabaseFailures.connectionLost(e)) {
                    // The parts' rows went with the log's entries: which write's row was refused is not known here.
                    return settleFailed(c, writes, null, new SettleFailed(e), run);
                }
                throw e;
            }
            long commitStarted = System.nanoTime();
            committing = true;
            handOff(run);
            c.commit();
            committed = true;
            long ended = System.nanoTime();
            figures[0].increment();
            figures[1].add(applied.size());
            figures[2].add(checking - started);
            figures[3].add(settling - checking);
            figures[4].add(state.signNanos);
            figures[5].add(commitStarted - storing);
            figures[6].add(ended - commitStarted);
            for (Pending<?> p : applied) {
                p.committed = true;
            }
            return List.of();
        } catch (SQLException e) {
            if (!committing) {
                rollbackQuietly(c, e);
            }
            failAll(writes, e, committing);
            return List.of();
        } finally {
            if (!committed) {
                for (Pending<?> p : applied) {
                    p.result = null;
                }
            }
            closeQuietly(c);
        }
    }

    /**
     * Signing the deferred records or storing a part's rows failed. Those rows belong to several writes, so the
     * batch runs again serially: every write's rows stored right after its step, where a failure names its write.
     * In serial mode it was {@code current}'s rows.
     */
    private List<Pending<?>> settleFailed(Connection c, List<Pending<?>> writes, Pending<?> current, SettleFailed f,
                                          Run run) {
        Throwable cause = f.getCause();
        rollbackQuietly(c, cause);
        if (cause instanceof SQLException e && DatabaseFailures.connectionLost(e)) {
            failAll(writes, e, false);
            return List.of();
        }
        if (!run.serial || current == null) {
            if (run.serial) {
                // Serial mode leaves nothing deferred to the end; a failure there is a bug of a part.
                throw new IllegalStateException("a part failed at the end of a serial batch", cause);
            }
            run.serial = true;
            return again(writes, null);
        }
        current.failure = cause instanceof SQLException e ? Transactions.failureOf(e, false)
                : cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        return again(writes, current);
    }

    /** Why settling failed: a part's statement, or a deferred signature. */
    private static final class SettleFailed extends RuntimeException {
        SettleFailed(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /**
     * Signs the records on this thread, helped by the signing pool's threads: each takes the next unsigned record
     * until none is left, so this thread never waits for a helper that has not started (on a busy machine a helper
     * may get no core for a while): it waits at most for the records helpers are signing at that moment. Each
     * record's signature is its own.
     */
    private void signAll(List<Later> unsigned) {
        int n = unsigned.size();
        if (n == 1 || SIGNING_THREADS == 1) {
            for (Later later : unsigned) {
                later.record = keyRing.sign(later.type, later.claims);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(n);
        java.util.concurrent.atomic.AtomicReference<RuntimeException> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        Runnable work = () -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                Later later = unsigned.get(i);
                try {
                    later.record = keyRing.sign(later.type, later.claims);
                } catch (RuntimeException | Error e) {
                    RuntimeException cause = e instanceof RuntimeException r ? r
                            : new IllegalStateException("signing failed", e);
                    if (!failure.compareAndSet(null, cause)) {
                        failure.get().addSuppressed(cause);
                    }
                } finally {
                    ended.countDown();
                }
            }
        };
        for (int helper = 1; helper < Math.min(n, SIGNING_THREADS); helper++) {
            signers().execute(work);
        }
        work.run();
        boolean interrupted = false;
        while (true) {
            try {
                ended.await();
                break;
            } catch (InterruptedException e) {
                // The batch must finish: wait on, and keep the interrupt for the leader's request.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** Threads that sign a batch's deferred records beside its leader; daemons, shared by every appender. */
    private static final int SIGNING_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static volatile ExecutorService signers;

    private static ExecutorService signers() {
        ExecutorService pool = signers;
        if (pool == null) {
            synchronized (LogAppender.class) {
                pool = signers;
                if (pool == null) {
                    AtomicInteger n = new AtomicInteger();
                    pool = Executors.newFixedThreadPool(SIGNING_THREADS - 1, r -> {
                        Thread t = new Thread(r, "log-appender-signer-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                    signers = pool;
                }
            }
        }
        return pool;
    }

    /**
     * A statement of {@code culprit} failed. A lost connection takes the whole batch with it; otherwise the
     * database refused that write alone, and the others run again in a new transaction.
     */
    private List<Pending<?>> lost(Connection c, List<Pending<?>> writes, Pending<?> culprit, SQLException e) {
        rollbackQuietly(c, e);
        if (DatabaseFailures.connectionLost(e)) {
            failAll(writes, e, false);
            return List.of();
        }
        culprit.failure = Transactions.failureOf(e, false);
        return again(writes, culprit);
    }

    private static List<Pending<?>> again(List<Pending<?>> writes, Pending<?> culprit) {
        List<Pending<?>> rest = new ArrayList<>(writes.size());
        for (Pending<?> p : writes) {
            if (p != culprit && p.failure == null) {
                p.result = null;
                rest.add(p);
            }
        }
        return rest;
    }

    /** Every write not refused on its own fails with the batch; each gets its own exception of the same kind. */
    private static void failAll(List<Pending<?>> writes, SQLException e, boolean atCommit) {
        for (Pending<?> p : writes) {
            if (p.failure == null) {
                p.failure = Transactions.failureOf(e, atCommit);
                p.outcomeUnknown = p.failure instanceof StoreException s
                        && s.kind() == StoreException.Kind.OUTCOME_UNKNOWN;
            }
        }
    }

    private static void rollbackQuietly(Connection c, Throwable failure) {
        try {
            c.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException e) {
            // A broken connection: the pool drops it.
        }
        try {
            c.close();
        } catch (SQLException e) {
            // As above.
        }
    }

    /** One request's write and what became of it; its fields are read by its requester after {@code done}. */
    private static final class Pending<T> {
        final Write<T> write;
        final IdempotencyScope scope;
        T result;
        RuntimeException failure;
        boolean committed;
        boolean outcomeUnknown;
        /** In a batch (no longer queued); its requester waits for that batch, and does not lead another. */
        boolean taken;
        boolean done;

        Pending(Write<T> write, IdempotencyScope scope) {
            this.write = write;
            this.scope = scope;
        }

        @SuppressWarnings("unchecked")
        void accept(Step<?> step, Batch batch) throws SQLException {
            result = ((Step<T>) step).write(batch);
        }
    }

    /**
     * The open batch: its connection, the head's index when it was locked, the entries so far (bytes, or records
     * signed later), the records still to sign, and the parts of its shared writes.
     */
    private final class State implements Batch {
        final Connection connection;
        /** The head's index when the batch locked it; set by the batch's first round trip, before any check. */
        long first = -1;
        final List<Object> entries = new ArrayList<>();
        final List<Later> unsigned = new ArrayList<>();
        long signNanos;
        final Map<PartKey<?>, Part> parts = new java.util.LinkedHashMap<>();

        State(Connection connection) {
            this.connection = connection;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        void join(Shared<?, ?> write) {
            PartKey key = write.part();
            Part part = parts.computeIfAbsent(key, k -> (Part) ((PartKey<?>) k).factory.apply(this));
            ((Shared) write).join(part);
        }

        @Override
        public Connection connection() {
            return connection;
        }

        @Override
        public Appended sign(RecordType type, Map<String, Object> claims) {
            long index = first + entries.size();
            String record = keyRing.sign(type, claims);
            append(record.getBytes(StandardCharsets.US_ASCII));
            return new Appended(record, index);
        }

        @Override
        public Appended signAtIndex(RecordType type, Map<String, Object> claims) {
            claims.put("log_index", first + entries.size());
            return sign(type, claims);
        }

        @Override
        public long append(byte[] entry) {
            TransparencyLog.checkEntry(entry);
            entries.add(entry);
            return first + entries.size() - 1;
        }

        @Override
        public Later signLater(RecordType type, Map<String, Object> claims) {
            Later later = new Later(type, new java.util.LinkedHashMap<>(claims), first + entries.size());
            entries.add(later);
            unsigned.add(later);
            return later;
        }

        @Override
        public Later signAtIndexLater(RecordType type, Map<String, Object> claims) {
            claims.put("log_index", first + entries.size());
            return signLater(type, claims);
        }

        @Override
        public void settle() {
            RoundTrip trip = new RoundTrip();
            settle(trip);
            try {
                trip.run(connection);
            } catch (SQLException e) {
                throw new SettleFailed(e);
            }
        }

        /** Signs the deferred records and lets the parts add their rows' statements to {@code trip}, not yet sent. */
        void settle(RoundTrip trip) {
            try {
                long signing = System.nanoTime();
                if (!unsigned.isEmpty()) {
                    signAll(unsigned);
                    unsigned.clear();
                }
                signNanos += System.nanoTime() - signing;
                for (Part part : parts.values()) {
                    part.flush(connection, trip);
                }
            } catch (SQLException | RuntimeException e) {
                throw e instanceof SettleFailed f ? f : new SettleFailed(e);
            }
        }

        void stale() {
            for (Part part : parts.values()) {
                part.stale();
            }
        }

        List<byte[]> entryBytes() {
            List<byte[]> bytes = new ArrayList<>(entries.size());
            for (Object entry : entries) {
                if (entry instanceof Later later) {
                    byte[] record = later.record().getBytes(StandardCharsets.US_ASCII);
                    TransparencyLog.checkEntry(record);
                    bytes.add(record);
                } else {
                    bytes.add((byte[]) entry);
                }
            }
            return bytes;
        }
    }
}
