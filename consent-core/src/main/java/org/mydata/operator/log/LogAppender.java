package org.mydata.operator.log;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.mydata.operator.signing.KeyRing;
import org.mydata.operator.signing.RecordType;
import org.mydata.operator.store.DatabaseFailures;
import org.mydata.operator.store.IdempotencyScope;
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
 * batch commits form the next one. An idle operator so adds nothing to a person's "withdraw", and under load
 * the batches grow by themselves to what arrived during one commit.
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
    }

    /** A signed record and its index in the log. */
    public record Appended(String record, long logIndex) {
    }

    private final DataSource dataSource;
    private final KeyRing keyRing;
    private final int maxBatch;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition batchEnded = lock.newCondition();
    private final ArrayDeque<Pending<?>> queue = new ArrayDeque<>();
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
                if (leading) {
                    // A request must learn what became of its write, so an interrupt does not end the wait.
                    batchEnded.awaitUninterruptibly();
                    continue;
                }
                leading = true;
                List<Pending<?>> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
                while (!queue.isEmpty() && batch.size() < maxBatch) {
                    batch.add(queue.pollFirst());
                }
                lock.unlock();
                try {
                    run(batch);
                } finally {
                    lock.lock();
                    for (Pending<?> p : batch) {
                        p.done = true;
                    }
                    leading = false;
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

    private void run(List<Pending<?>> batch) {
        List<Pending<?>> remaining = new ArrayList<>(batch);
        try {
            while (!remaining.isEmpty()) {
                remaining = attempt(remaining);
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
    private List<Pending<?>> attempt(List<Pending<?>> writes) {
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
            State state = new State(c, TransparencyLog.lockHead(c));
            for (Pending<?> p : writes) {
                Step<?> step;
                try {
                    step = p.write.check(c);
                    if (p.scope != null) {
                        p.scope.record(c);
                    }
                } catch (RuntimeException refused) {
                    // A check only reads and locks, and a taken key inserts nothing: the transaction is intact.
                    p.failure = refused;
                    continue;
                } catch (SQLException e) {
                    return lost(c, writes, p, e);
                }
                try {
                    p.accept(step, state);
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
            if (!state.entries.isEmpty()) {
                TransparencyLog.insertLocked(c, state.first, state.entries);
            }
            committing = true;
            c.commit();
            committed = true;
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

    /** The open batch: its connection, the head's index when it was locked, and the entries so far. */
    private final class State implements Batch {
        final Connection connection;
        final long first;
        final List<byte[]> entries = new ArrayList<>();

        State(Connection connection, long first) {
            this.connection = connection;
            this.first = first;
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
    }
}
