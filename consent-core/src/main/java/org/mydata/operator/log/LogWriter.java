package org.mydata.operator.log;

import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.InvalidProofException;
import org.mydata.operator.verify.log.LogVerifier;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.log.SubtreeHash;
import org.mydata.operator.verify.log.SubtreeHashes;
import org.mydata.operator.verify.log.TreeFrontier;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.mydata.operator.background.PollingThread;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log's single writer: integrates the entries appenders have committed past the last checkpoint
 * into the stored tree, in batches, and signs one checkpoint per batch.
 *
 * <p>Every node may run one; a session-level {@code pg_try_advisory_lock} on the writer's own
 * connection elects the one that works, and the batch transaction runs on that same connection. So a
 * writer that loses its connection loses its lock and its uncommitted batch together, and another
 * node's writer takes over on its next poll. Two writers that somehow overlapped would still collide
 * on the primary keys of the subtree and checkpoint rows, and could only ever sign the same root for
 * the same size, because both compute it from the same immutable entries.
 *
 * <p>Before signing, the writer checks that the stored tree still hashes to the last signed root and
 * that the new root is provably consistent with it; if the stored tree was altered, it signs nothing
 * and reports why. That is how the operator never signs two inconsistent checkpoints.
 */
public final class LogWriter implements AutoCloseable {
    /** The advisory lock key: the ASCII bytes of "mydatlog". */
    static final long LOCK_KEY = 0x6d7964_61746c6f67L;
    private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);

    /**
     * @param maxBatch     the most entries one transaction and one signature cover
     * @param pollInterval how long the writer sleeps when there is nothing to do; it is also the longest
     *                     an entry waits for its checkpoint under light load
     */
    public record Settings(int maxBatch, Duration pollInterval) {
        public Settings {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be at least 1");
            }
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive");
            }
        }

        /**
         * A checkpoint at most every half second while the log grows: an acknowledged record is in a signed
         * checkpoint within about a second even under load (the benchmark's goal), at two checkpoint rows a
         * second at most.
         */
        public static Settings defaults() {
            return new Settings(10_000, Duration.ofMillis(500));
        }
    }

    /** What one round of the writer did. */
    public sealed interface Outcome permits NotLeader, UpToDate, Integrated {
    }

    /** Another node's writer holds the lock. */
    record NotLeader() implements Outcome {
    }

    /** Nothing new since the latest checkpoint. */
    public record UpToDate(Checkpoint latest) implements Outcome {
    }

    /** A batch of entries went into the tree and this checkpoint covers them. */
    public record Integrated(Checkpoint checkpoint, long entries) implements Outcome {
    }

    private final DataSource dataSource;
    private final CheckpointSigner signer;
    private final Settings settings;
    private final PollingThread rounds;
    private Connection connection;
    private boolean leader;
    private volatile boolean closed;

    /**
     * @param dataSource where the writer takes the one connection it keeps while it runs; a plain,
     *                   unpooled source is best, as the connection is held for the writer's lifetime
     */
    public LogWriter(DataSource dataSource, CheckpointSigner signer, Settings settings) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.settings = Objects.requireNonNull(settings, "settings");
        // A full batch means more is probably waiting: the next round comes at once.
        this.rounds = new PollingThread("transparency-log-writer", settings.pollInterval(),
                () -> runOnce() instanceof Integrated i && i.entries() >= settings.maxBatch(), e -> {
                    if (!closed) {
                        LOG.error("transparency log writer round failed; retrying after the poll interval", e);
                    }
                });
    }

    /** Starts the background loop on one daemon thread. */
    public void start() {
        if (closed) {
            throw new IllegalStateException("the log writer was closed");
        }
        rounds.start();
    }

    /** Asks the loop to run now rather than at its next poll, e.g. right after an append committed. */
    public void wakeUp() {
        rounds.wakeUp();
    }

    public synchronized boolean isLeader() {
        return leader;
    }

    /**
     * One round: become or stay the leader, then integrate at most one batch. The loop calls this; so can
     * tests and operator code that must see an entry checkpointed now.
     */
    public synchronized Outcome runOnce() {
        if (closed) {
            throw new IllegalStateException("the log writer was closed");
        }
        try {
            if (!lead()) {
                return new NotLeader();
            }
        } catch (SQLException e) {
            resign();
            throw new StoreException("the log writer could not reach the database", e);
        }
        try {
            connection.setAutoCommit(false);
            try {
                Outcome outcome = integrate(connection);
                connection.commit();
                return outcome;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            // The connection may be broken; give up the lock with it and compete afresh next round.
            resign();
            throw new StoreException("the log writer's batch failed", e);
        }
    }

    private boolean lead() throws SQLException {
        if (connection == null) {
            connection = dataSource.getConnection();
            connection.setAutoCommit(true);
        }
        if (!leader) {
            try (PreparedStatement ps = connection.prepareStatement("select pg_try_advisory_lock(?)")) {
                ps.setLong(1, LOCK_KEY);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    leader = rs.getBoolean(1);
                }
            }
            if (leader) {
                LOG.info("this node now writes the transparency log");
            }
        }
        return leader;
    }

    private Outcome integrate(Connection c) throws SQLException {
        Optional<Checkpoint> latest = TransparencyLog.latestCheckpoint(c);
        long oldSize = latest.map(Checkpoint::treeSize).orElse(0L);
        SubtreeHashes stored = new StoredSubtrees(c);
        TreeFrontier frontier = TreeFrontier.load(oldSize, stored);
        if (latest.isPresent() && !frontier.root().equals(latest.get().rootHash())) {
            throw new IllegalStateException("refusing to sign: the stored tree of " + oldSize
                    + " entries no longer hashes to the root its checkpoint signed");
        }

        List<SubtreeHash> completed = new ArrayList<>();
        long next = oldSize;
        try (PreparedStatement ps = c.prepareStatement(
                "select idx, leaf_hash from log_entry where idx >= ? order by idx limit ?")) {
            ps.setLong(1, oldSize);
            ps.setInt(2, settings.maxBatch());
            ps.setFetchSize(1000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getLong(1) != next) {
                        throw new IllegalStateException("log entry " + next + " is missing; appends are gap-free, "
                                + "so the store lost a row");
                    }
                    completed.addAll(frontier.append(new Hash(rs.getBytes(2))));
                    next++;
                }
            }
        }
        if (next == oldSize && latest.isPresent()) {
            return new UpToDate(latest.get());
        }
        // Past here: new entries, or the very first round, which signs the empty tree so that auditors
        // always find a checkpoint to start from.
        insert(c, completed);
        Hash root = frontier.root();
        if (!MerkleTree.root(next, stored).equals(root)) {
            throw new IllegalStateException("refusing to sign: the stored subtrees of " + next
                    + " entries do not fold to the root computed from the entries");
        }
        if (latest.isPresent()) {
            try {
                LogVerifier.verifyConsistency(oldSize, next, latest.get().rootHash(), root,
                        MerkleTree.consistencyProof(oldSize, next, stored));
            } catch (InvalidProofException e) {
                throw new IllegalStateException("refusing to sign: " + e.getMessage(), e);
            }
        }
        CheckpointSigner.Issued issued = signer.sign(next, root);
        Checkpoint checkpoint = issued.checkpoint();
        try (PreparedStatement ps = c.prepareStatement(
                "insert into log_checkpoint (tree_size, root_hash, issued_at, jws, note) values (?, ?, ?, ?, ?)")) {
            ps.setLong(1, checkpoint.treeSize());
            ps.setBytes(2, checkpoint.rootHash().bytes());
            ps.setTimestamp(3, Sql.timestamp(checkpoint.issuedAt()));
            ps.setString(4, checkpoint.jws());
            ps.setString(5, issued.note());
            ps.executeUpdate();
        }
        return new Integrated(checkpoint, next - oldSize);
    }

    private static void insert(Connection c, List<SubtreeHash> subtrees) throws SQLException {
        if (subtrees.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("insert into log_subtree (level, idx, hash) values (?, ?, ?)")) {
            int pending = 0;
            for (SubtreeHash s : subtrees) {
                ps.setInt(1, s.subtree().level());
                ps.setLong(2, s.subtree().index());
                ps.setBytes(3, s.hash().bytes());
                ps.addBatch();
                if (++pending == 1000) {
                    ps.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) {
                ps.executeBatch();
            }
        }
    }

    /** Gives up the lock explicitly (a pooled connection would keep it) and drops the connection. */
    private synchronized void resign() {
        if (connection != null) {
            if (leader) {
                try (PreparedStatement ps = connection.prepareStatement("select pg_advisory_unlock(?)")) {
                    ps.setLong(1, LOCK_KEY);
                    ps.execute();
                } catch (SQLException e) {
                    // A broken connection has already released the lock on the server's side.
                }
            }
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing the log writer's connection failed", e);
            }
        }
        connection = null;
        leader = false;
    }

    /** Stops the loop, waits for a round in progress to end, and hands the lock to the next node. */
    @Override
    public void close() {
        closed = true;
        rounds.close();
        resign();
    }
}
