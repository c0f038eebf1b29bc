package org.mydata.operator.log;

import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.ConsistencyProof;
import org.mydata.operator.verify.log.EntryBundle;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.InclusionProof;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.log.SubtreeHashes;
import org.mydata.operator.verify.log.Tile;
import org.mydata.operator.verify.log.TileHashes;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.store.RoundTrip;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * The operator's transparency log in PostgreSQL: entries, the stored subtree hashes, and checkpoints.
 *
 * <h2>How an entry gets in</h2>
 * The operator's services append through {@link LogAppender}, which sequences a whole batch of requests'
 * writes at once. Two steps, split where the costs differ.
 * <ol>
 * <li><b>Sequencing, in the batch's transaction.</b> {@link #lockHead} locks the single {@code log_head} row
 * and returns the next index; {@link #insertLocked} inserts the entries and their leaf hashes and moves the
 * head. The row lock is held until the batch commits or rolls back, so no second transaction can take an
 * index before the first has ended: a rollback hands its indexes back, and the committed entries are always
 * exactly 0..n-1. The record and its log entry commit together or not at all, so an acknowledged record can
 * never be missing from the log, and the index is known before commit, so a record can carry its own
 * {@code log_index}.</li>
 * <li><b>Integration, in batches, by one writer.</b> {@link LogWriter}, elected with a PostgreSQL
 * advisory lock, reads the entries past the last checkpoint, stores the subtree hashes they complete,
 * and signs one checkpoint for the whole batch in one transaction. A crash between the two steps loses
 * nothing: the next writer finds the committed entries past the last checkpoint and integrates them.</li>
 * </ol>
 *
 * <p>Why not a queue that the writer numbers later, as Trillian does? It would let appending
 * transactions commit in parallel, but then a record could not know its index when it is signed, and
 * the order in the log would no longer be the order in which the operator's decisions became visible.
 * Why a counter row rather than {@code pg_advisory_xact_lock} plus {@code max(idx) + 1}? The row lock
 * gives the same serialisation, also fails safely under REPEATABLE READ (a serialization error instead
 * of a duplicate index read from an old snapshot), and is visible in {@code pg_locks} as what it is.
 * The price is that appending transactions serialise from their append to their commit; callers
 * therefore append as the <em>last</em> statement before commit, after taking every other lock they
 * need, which also rules out lock-order deadlocks with this row.
 *
 * <p>Proofs and roots are answered from stored subtree hashes only (see {@link MerkleTree}): at most
 * two queries and O(log n) rows, never a rehash of the log. They can be asked for any tree size up to
 * the latest checkpoint.
 */
public final class TransparencyLog {
    /** Entries are signed records or small JSON documents; anything near this is a bug, not a record. */
    public static final int MAX_ENTRY_BYTES = 1 << 20;
    /** The most entries one {@link #entries} call returns. */
    public static final int MAX_PAGE = 1000;

    private final Transactions tx;
    private final UnaryOperator<SubtreeHashes> observe;

    public TransparencyLog(Transactions tx) {
        this(tx, UnaryOperator.identity());
    }

    /** Tests look at every subtree lookup the log makes, to count them. */
    TransparencyLog(Transactions tx, UnaryOperator<SubtreeHashes> observe) {
        this.tx = Objects.requireNonNull(tx, "tx");
        this.observe = observe;
    }

    // ---- appending, inside the caller's transaction -------------------------------------------------

    /**
     * Erases an entry's bytes, keeping its index and leaf hash, inside the caller's transaction (the one
     * that erases the account). Roots, proofs and checkpoints are unchanged; the entry reads as erased.
     *
     * @return false when there is no such entry or it was erased already
     */
    public boolean erase(Connection c, long index) throws SQLException {
        requireTransaction(c);
        try (PreparedStatement ps = c.prepareStatement(
                "update log_entry set entry = null where idx = ? and entry is not null")) {
            ps.setLong(1, index);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Locks the head for a {@link LogAppender} batch and returns the next free index. Taken first in the batch:
     * once it is granted every earlier batch of every node has committed, so what the batch reads next is
     * current, and no other transaction appends until this one ends.
     */
    static long lockHead(Connection c) throws SQLException {
        requireTransaction(c);
        try (PreparedStatement ps = c.prepareStatement(LOCK_HEAD);
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new IllegalStateException("the log_head row is missing; the schema is not migrated");
            }
            return rs.getLong(1);
        }
    }

    /**
     * Inserts a batch's entries at {@code first}, {@code first + 1}, ... and moves the head past them: in one
     * statement, or, for a batch of more than {@value #MAX_STATEMENT_BYTES} bytes (an access event of a national
     * export is logged as thousands of entries, docs/records.md), in one statement per slice of about that many,
     * all in the caller's transaction. The caller holds the head ({@link #lockHead}).
     */
    static void insertLocked(Connection c, long first, List<byte[]> entries) throws SQLException {
        RoundTrip trip = new RoundTrip();
        insertLocked(trip, first, entries);
        trip.run(c);
    }

    /**
     * As {@link #lockHead(Connection)}, as the first statement of a round trip (the batch's read-ahead follows it):
     * {@code head} hears the head's index when the round trip came back.
     */
    static void lockHead(Connection c, RoundTrip trip, java.util.function.LongConsumer head) throws SQLException {
        requireTransaction(c);
        trip.query(LOCK_HEAD, null, rs -> {
            if (!rs.next()) {
                throw new IllegalStateException("the log_head row is missing; the schema is not migrated");
            }
            head.accept(rs.getLong(1));
        });
    }

    /**
     * As {@link #insertLocked(Connection, long, List)}, as statements of a round trip (after the batch's rows): one
     * statement, or one per slice of about {@value #MAX_STATEMENT_BYTES} entry bytes.
     */
    static void insertLocked(RoundTrip trip, long first, List<byte[]> entries) {
        int from = 0;
        long bytes = 0;
        for (int i = 0; i < entries.size(); i++) {
            bytes += requireEntry(entries.get(i)).length;
            if (bytes >= MAX_STATEMENT_BYTES && i + 1 < entries.size()) {
                insertSlice(trip, first + from, entries.subList(from, i + 1));
                from = i + 1;
                bytes = 0;
            }
        }
        insertSlice(trip, first + from, entries.subList(from, entries.size()));
    }

    /** About the most entry bytes one insert sends: far below PostgreSQL's 1 GB per value, whatever the driver's encoding. */
    static final int MAX_STATEMENT_BYTES = 32 << 20;

    private static void insertSlice(RoundTrip trip, long first, List<byte[]> entries) {
        byte[][] bytes = new byte[entries.size()][];
        byte[][] leafHashes = new byte[entries.size()][];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = entries.get(i);
            leafHashes[i] = MerkleTree.leafHash(bytes[i]).bytes();
        }
        trip.update("with head as (update log_head set next_index = ?) "
                + "insert into log_entry (idx, entry, leaf_hash) select ? + t.n - 1, t.e, t.h "
                + "from unnest(?::bytea[], ?::bytea[]) with ordinality as t(e, h, n)", (ps, i) -> {
                    ps.setLong(i, first + bytes.length);
                    ps.setLong(i + 1, first);
                    ps.setArray(i + 2, ps.getConnection().createArrayOf("bytea", bytes));
                    ps.setArray(i + 3, ps.getConnection().createArrayOf("bytea", leafHashes));
                });
    }

    private static final String LOCK_HEAD = "select next_index from log_head for update";

    static void checkEntry(byte[] entry) {
        requireEntry(entry);
    }

    private static void requireTransaction(Connection c) throws SQLException {
        if (c.getAutoCommit()) {
            throw new IllegalStateException("append inside a transaction, so the record and its log entry commit "
                    + "together");
        }
    }

    private static byte[] requireEntry(byte[] entry) {
        if (entry == null) {
            throw new IllegalArgumentException("a log entry must not be null");
        }
        if (entry.length > MAX_ENTRY_BYTES) {
            throw new IllegalArgumentException("a log entry of " + entry.length + " bytes is larger than "
                    + MAX_ENTRY_BYTES);
        }
        return entry;
    }

    // ---- reading -----------------------------------------------------------------------------------

    /** How many entries are committed, integrated or not. */
    public long sequencedSize() {
        return tx.read(TransparencyLog::sequencedSize);
    }

    static long sequencedSize(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select next_index from log_head");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    public Optional<LogEntry> entry(long index) {
        List<LogEntry> one = entries(index, index + 1);
        return one.isEmpty() ? Optional.empty() : Optional.of(one.get(0));
    }

    /** Entries [start, end) in order, stopping at the last committed one; at most {@link #MAX_PAGE}. */
    public List<LogEntry> entries(long start, long end) {
        return tx.read(c -> entries(c, start, end));
    }

    public List<LogEntry> entries(Connection c, long start, long end) throws SQLException {
        if (start < 0) {
            throw new InvalidRequestException("start", "start must not be negative");
        }
        if (end < start) {
            throw new InvalidRequestException("end", "end must not be before start");
        }
        if (end - start > MAX_PAGE) {
            throw new InvalidRequestException("end", "at most " + MAX_PAGE + " entries at a time");
        }
        List<LogEntry> out = new ArrayList<>((int) (end - start));
        try (PreparedStatement ps = c.prepareStatement(
                "select idx, entry, leaf_hash from log_entry where idx >= ? and idx < ? order by idx")) {
            ps.setLong(1, start);
            ps.setLong(2, end);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new LogEntry(rs.getLong(1), rs.getBytes(2), new Hash(rs.getBytes(3))));
                }
            }
        }
        return out;
    }

    public Optional<Checkpoint> latestCheckpoint() {
        return tx.read(TransparencyLog::latestCheckpoint);
    }

    public static Optional<Checkpoint> latestCheckpoint(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select tree_size, root_hash, issued_at, jws from log_checkpoint order by tree_size desc limit 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(checkpoint(rs)) : Optional.empty();
        }
    }

    /** The checkpoint issued for exactly this tree size, if one was. */
    public Optional<Checkpoint> checkpoint(long treeSize) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select tree_size, root_hash, issued_at, jws from log_checkpoint where tree_size = ?")) {
                ps.setLong(1, treeSize);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(checkpoint(rs)) : Optional.<Checkpoint>empty();
                }
            }
        });
    }

    /** The latest checkpoint as a C2SP signed note; empty when none was issued or no note key is configured. */
    public Optional<String> latestCheckpointNote() {
        return tx.read(c -> note(c, "select note from log_checkpoint order by tree_size desc limit 1", null));
    }

    /** The C2SP signed note of the checkpoint issued for this tree size. */
    Optional<String> checkpointNote(long treeSize) {
        return tx.read(c -> note(c, "select note from log_checkpoint where tree_size = ?", treeSize));
    }

    /** A checkpoint note as published, with any witnesses' cosignature lines after the log's signature. */
    public record PublishedNote(long treeSize, String note) {
    }

    /**
     * The checkpoint the tiles publish. Without witnesses, the latest note. With them, the newest note that
     * carries cosignatures, with their lines appended: a verifier with a witness policy can only use a cosigned
     * one, and the tiles serve every smaller tree, so lagging by a witness's round trip costs nothing. Before
     * any witness cosigned, the latest note.
     */
    public Optional<PublishedNote> publishedCheckpoint(boolean witnessed) {
        return tx.read(c -> {
            if (witnessed) {
                try (PreparedStatement ps = c.prepareStatement("select c.tree_size, c.note, string_agg("
                        + "s.signature_line, '' order by s.witness) from log_checkpoint c join log_cosignature s on "
                        + "s.tree_size = c.tree_size where c.note is not null group by c.tree_size, c.note "
                        + "order by c.tree_size desc limit 1");
                     ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return Optional.of(new PublishedNote(rs.getLong(1), rs.getString(2) + rs.getString(3)));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "select tree_size, note from log_checkpoint where note is not null order by tree_size desc limit 1");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new PublishedNote(rs.getLong(1), rs.getString(2)))
                        : Optional.<PublishedNote>empty();
            }
        });
    }

    private static Optional<String> note(Connection c, String sql, Long treeSize) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (treeSize != null) {
                ps.setLong(1, treeSize);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static Checkpoint checkpoint(ResultSet rs) throws SQLException {
        return new Checkpoint(rs.getLong("tree_size"), new Hash(rs.getBytes("root_hash")), Sql.instant(rs, "issued_at"),
                rs.getString("jws"));
    }

    /** How far the tree is integrated: the latest checkpoint's size, 0 before the first. */
    public static long integratedSize(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select tree_size from log_checkpoint order by tree_size desc limit 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    // ---- tiles (C2SP tlog-tiles) ---------------------------------------------------------------------

    /**
     * The hashes of a tile as C2SP tlog-tiles publishes them, when the signed tree reaches it: a full tile once
     * the latest checkpoint covers its 256 hashes, a partial one of any width the checkpoint covers. Read from
     * the stored subtrees in one range query, never rehashed.
     */
    public Optional<byte[]> hashTile(Tile tile) {
        return tx.read(c -> {
            if (!covered(c, tile)) {
                return Optional.<byte[]>empty();
            }
            int level = Tile.HEIGHT * tile.level();
            long first = tile.index() * Tile.WIDTH;
            String sql = level == 0
                    ? "select leaf_hash from log_entry where idx >= ? and idx < ? order by idx"
                    : "select hash from log_subtree where level = ? and idx >= ? and idx < ? order by idx";
            List<Hash> hashes = new ArrayList<>(tile.width());
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int p = 1;
                if (level > 0) {
                    ps.setInt(p++, level);
                }
                ps.setLong(p++, first);
                ps.setLong(p, first + tile.width());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        hashes.add(new Hash(rs.getBytes(1)));
                    }
                }
            }
            if (hashes.size() != tile.width()) {
                throw new IllegalStateException("the log holds " + hashes.size() + " hashes of " + tile.path()
                        + ", the signed tree needs " + tile.width());
            }
            return Optional.of(TileHashes.encode(hashes));
        });
    }

    /** The entry bundle beside a level-0 tile; an erased entry is empty (see {@link EntryBundle}). */
    public Optional<byte[]> entryBundle(Tile tile) {
        if (tile.level() != 0) {
            throw new IllegalArgumentException("entry bundles go with level-0 tiles");
        }
        return tx.read(c -> {
            if (!covered(c, tile)) {
                return Optional.<byte[]>empty();
            }
            List<byte[]> entries = new ArrayList<>(tile.width());
            for (LogEntry e : entries(c, tile.startIndex(), tile.startIndex() + tile.width())) {
                entries.add(e.entry());
            }
            if (entries.size() != tile.width()) {
                throw new IllegalStateException("the log holds " + entries.size() + " entries of " + tile.entriesPath());
            }
            return Optional.of(EntryBundle.encode(entries));
        });
    }

    private static boolean covered(Connection c, Tile tile) throws SQLException {
        return Tile.inTree(tile.level(), tile.index(), integratedSize(c))
                .filter(widest -> widest.width() >= tile.width()).isPresent();
    }

    // ---- proofs ------------------------------------------------------------------------------------

    public InclusionProof inclusionProof(long index, long treeSize) {
        return tx.read(c -> inclusionProof(c, index, treeSize));
    }

    /** PATH(index, D[treeSize]) from stored hashes, for any tree size up to the latest checkpoint. */
    public InclusionProof inclusionProof(Connection c, long index, long treeSize) throws SQLException {
        requireIntegrated(c, treeSize);
        if (index < 0 || index >= treeSize) {
            throw new InvalidRequestException("index", "index " + index + " is not inside a tree of " + treeSize);
        }
        return new InclusionProof(index, treeSize, MerkleTree.inclusionProof(index, treeSize, hashes(c)));
    }

    public ConsistencyProof consistencyProof(long first, long second) {
        return tx.read(c -> consistencyProof(c, first, second));
    }

    /** PROOF(first, D[second]) from stored hashes. */
    public ConsistencyProof consistencyProof(Connection c, long first, long second) throws SQLException {
        if (first < 0) {
            throw new InvalidRequestException("from", "from must not be negative");
        }
        if (second < first) {
            throw new InvalidRequestException("to", "to must not be smaller than from");
        }
        requireIntegrated(c, second);
        return new ConsistencyProof(first, second, MerkleTree.consistencyProof(first, second, hashes(c)));
    }

    public Hash rootHash(long treeSize) {
        return tx.read(c -> rootHash(c, treeSize));
    }

    /** MTH(D[treeSize]) from stored hashes, popcount(treeSize) of them. */
    public Hash rootHash(Connection c, long treeSize) throws SQLException {
        if (treeSize < 0) {
            throw new InvalidRequestException("size", "size must not be negative");
        }
        requireIntegrated(c, treeSize);
        return MerkleTree.root(treeSize, hashes(c));
    }

    /** The stored hashes seen through one connection, for callers that combine several lookups in one snapshot. */
    static SubtreeHashes subtreeHashes(Connection c) {
        return new StoredSubtrees(c);
    }

    private SubtreeHashes hashes(Connection c) {
        return observe.apply(new StoredSubtrees(c));
    }

    private static void requireIntegrated(Connection c, long treeSize) throws SQLException {
        long integrated = integratedSize(c);
        if (treeSize > integrated) {
            throw new NotFoundException("the log has no signed tree of " + treeSize + " entries yet (the latest "
                    + "checkpoint covers " + integrated + ")");
        }
    }
}
