package org.mydata.operator.log;

import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.InclusionProof;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.LogVerifier;
import org.mydata.operator.verify.log.MemoryTree;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.testing.NaiveMerkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.signing.KeyRing;
import org.mydata.operator.signing.PublishedKey;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.VerifiedRecord;

class TransparencyLogTest {

    @Test
    void appendsAreNumberedFromZeroAndARolledBackAppendLeavesNoGap() {
        try (LogFixture f = new LogFixture()) {
            assertThat(f.append(bytes("a"))).isZero();
            assertThatThrownBy(() -> f.tx.inTransaction(c -> {
                assertThat(LogAppends.append(c, bytes("rolled back"))).isEqualTo(1);
                throw new IllegalStateException("the caller's record failed");
            })).hasMessageContaining("record failed");
            assertThat(f.append(bytes("b"))).isEqualTo(1);
            long first = f.tx.inTransaction(c -> LogAppends.appendAll(c, List.of(bytes("c"), bytes("d"))));
            assertThat(first).isEqualTo(2);
            assertThat(f.log.sequencedSize()).isEqualTo(4);
            assertThat(f.log.entries(0, 10)).extracting(e -> new String(e.entry(), StandardCharsets.UTF_8))
                    .containsExactly("a", "b", "c", "d");
            assertThat(f.log.entry(1).orElseThrow().leafHash()).isEqualTo(MerkleTree.leafHash(bytes("b")));
            assertThat(f.log.entry(4)).isEmpty();
        }
    }

    /**
     * accesschunk: a batch of more entry bytes than one insert should send (an access event of a national export,
     * thousands of chunks) goes in slices, one transaction, the indexes gap-free and the head past them all.
     */
    @Test
    void aBatchLargerThanOneStatementIsInsertedInSlices() {
        try (LogFixture f = new LogFixture()) {
            f.append(bytes("before"));
            int n = TransparencyLog.MAX_STATEMENT_BYTES / TransparencyLog.MAX_ENTRY_BYTES + 8;
            List<byte[]> large = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] entry = new byte[TransparencyLog.MAX_ENTRY_BYTES];
                java.util.Arrays.fill(entry, (byte) ('a' + i % 26));
                entry[0] = (byte) i;
                large.add(entry);
            }
            long first = f.tx.inTransaction(c -> LogAppends.appendAll(c, large));
            assertThat(first).isEqualTo(1);
            assertThat(f.log.sequencedSize()).isEqualTo(n + 1);
            for (int i = 0; i < n; i++) {
                assertThat(f.log.entry(i + 1).orElseThrow().leafHash()).isEqualTo(MerkleTree.leafHash(large.get(i)));
            }
            assertThat(f.append(bytes("after"))).isEqualTo(n + 1);
        }
    }

    @Test
    void anAppendOutsideATransactionIsRefused() throws SQLException {
        try (LogFixture f = new LogFixture(); var c = f.dataSource.getConnection()) {
            assertThatThrownBy(() -> LogAppends.append(c, bytes("x"))).hasMessageContaining("inside a transaction");
            assertThat(f.log.sequencedSize()).isZero();
        }
    }

    @Test
    void aRecordCanCarryItsOwnIndex() {
        try (LogFixture f = new LogFixture()) {
            f.append(bytes("first"));
            long index = f.tx.inTransaction(c -> LogAppends.append(c, i -> bytes("{\"log_index\":" + i + "}")));
            assertThat(index).isEqualTo(1);
            assertThat(new String(f.log.entry(1).orElseThrow().entry(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"log_index\":1}");
        }
    }

    @Test
    void theWriterSignsTheEmptyTreeThenOneCheckpointPerBatch() throws Exception {
        try (LogFixture f = new LogFixture()) {
            LogWriter writer = f.writer(4);
            LogWriter.Outcome first = writer.runOnce();
            assertThat(first).isInstanceOf(LogWriter.Integrated.class);
            assertThat(((LogWriter.Integrated) first).checkpoint().treeSize()).isZero();
            assertThat(writer.runOnce()).isInstanceOf(LogWriter.UpToDate.class);

            List<byte[]> entries = NaiveMerkle.entries(10);
            for (byte[] e : entries) {
                f.append(e);
            }
            List<Checkpoint> issued = LogFixture.integrateAll(writer);
            assertThat(issued).extracting(Checkpoint::treeSize).containsExactly(4L, 8L, 10L);
            MemoryTree expected = MemoryTree.of(entries);
            for (Checkpoint cp : issued) {
                assertThat(cp.rootHash()).isEqualTo(expected.root(cp.treeSize()));
                VerifiedRecord record = f.recordVerifier().verify(cp.jws());
                assertThat(record.type()).isEqualTo(RecordType.CHECKPOINT);
                assertThat(record.claims()).containsEntry("tree_size", cp.treeSize())
                        .containsEntry("root_hash", cp.rootHash().base64())
                        .containsEntry("iat", cp.issuedAt().getEpochSecond());
                assertThat(Checkpoint.fromRecord(record)).isEqualTo(cp);
                assertThat(f.log.checkpoint(cp.treeSize())).contains(cp);
                CheckpointNote note = CheckpointNote.open(f.log.checkpointNote(cp.treeSize()).orElseThrow(),
                        LogFixture.ORIGIN, f.noteSigner.verifier());
                assertThat(note.treeSize()).isEqualTo(cp.treeSize());
                assertThat(note.rootHash()).isEqualTo(cp.rootHash());
            }
            assertThat(f.log.latestCheckpoint()).contains(issued.get(2));
            assertThat(f.log.latestCheckpointNote()).isEqualTo(f.log.checkpointNote(10));
            assertThat(f.log.checkpoint(9)).isEmpty();
        }
    }

    @Test
    void proofsFromStorageAreThoseOfThePureTreeForEverySize() throws Exception {
        try (LogFixture f = new LogFixture()) {
            List<byte[]> entries = NaiveMerkle.entries(33);
            MemoryTree expected = MemoryTree.of(entries);
            LogWriter writer = f.writer(6);
            for (int i = 0; i < entries.size(); i += 5) {
                List<byte[]> chunk = entries.subList(i, Math.min(i + 5, entries.size()));
                f.tx.inTransaction(c -> LogAppends.appendAll(c, chunk));
                writer.runOnce();
            }
            LogFixture.integrateAll(writer);
            assertThat(f.log.latestCheckpoint().orElseThrow().treeSize()).isEqualTo(33);

            f.tx.read(c -> {
                for (int n = 0; n <= 33; n++) {
                    assertThat(MerkleTree.root(n, TransparencyLog.subtreeHashes(c))).isEqualTo(expected.root(n));
                    for (int m = 0; m < n; m++) {
                        assertThat(f.log.inclusionProof(c, m, n).auditPath()).isEqualTo(expected.inclusionProof(m, n));
                    }
                    for (int m = 0; m <= n; m++) {
                        assertThat(f.log.consistencyProof(c, m, n).consistency())
                                .isEqualTo(expected.consistencyProof(m, n));
                    }
                }
                return null;
            });
            InclusionProof proof = f.log.inclusionProof(17, 33);
            LogVerifier.verifyInclusion(proof, MerkleTree.leafHash(entries.get(17)), f.log.rootHash(33));
            assertThatThrownBy(() -> f.log.inclusionProof(3, 34)).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> f.log.inclusionProof(33, 33)).isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> f.log.consistencyProof(10, 9)).isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> f.log.entries(0, TransparencyLog.MAX_PAGE + 1))
                    .isInstanceOf(InvalidRequestException.class);
        }
    }

    @Test
    void erasingAnEntryKeepsEveryRootAndProofAndNothingElseCanChange() throws Exception {
        try (LogFixture f = new LogFixture()) {
            List<byte[]> entries = NaiveMerkle.entries(9);
            entries.forEach(f::append);
            LogWriter writer = f.writer(100);
            Checkpoint before = LogFixture.integrateAll(writer).get(0);

            boolean erasedNow = f.tx.inTransaction(c -> f.log.erase(c, 3));
            boolean erasedAgain = f.tx.inTransaction(c -> f.log.erase(c, 3));
            assertThat(erasedNow).isTrue();
            assertThat(erasedAgain).isFalse();
            LogEntry erased = f.log.entry(3).orElseThrow();
            assertThat(erased.erased()).isTrue();
            assertThat(erased.leafHash()).isEqualTo(MerkleTree.leafHash(entries.get(3)));
            assertThat(f.log.rootHash(9)).isEqualTo(before.rootHash());
            LogVerifier.verifyInclusion(f.log.inclusionProof(3, 9), erased.leafHash(), before.rootHash());
            List<Hash> leaves = new ArrayList<>();
            f.log.entries(0, 9).forEach(e -> leaves.add(e.leafHash()));
            assertThat(LogVerifier.rootOfLeafHashes(leaves)).isEqualTo(before.rootHash());

            f.append(bytes("after the erasure"));
            assertThat(LogFixture.integrateAll(writer)).hasSize(1);

            assertThatThrownBy(() -> f.execute("update log_entry set leaf_hash = sha256('x') where idx = 2"))
                    .hasMessageContaining("append-only");
            assertThatThrownBy(() -> f.execute("update log_entry set entry = 'x' where idx = 2"))
                    .hasMessageContaining("append-only");
            assertThatThrownBy(() -> f.execute("delete from log_entry where idx = 9")).hasMessageContaining("append-only");
            assertThatThrownBy(() -> f.execute("update log_subtree set hash = sha256('x') where level = 1 and idx = 0"))
                    .hasMessageContaining("append-only");
            assertThatThrownBy(() -> f.execute("delete from log_checkpoint")).hasMessageContaining("append-only");
        }
    }

    @Test
    void aStoredTreeThatNoLongerMatchesItsCheckpointIsNeverSignedAgain() throws Exception {
        try (LogFixture f = new LogFixture()) {
            NaiveMerkle.entries(8).forEach(f::append);
            LogWriter writer = f.writer(100);
            LogFixture.integrateAll(writer);
            // someone with database access rewrites history under the tree of 8
            f.execute("alter table log_subtree disable trigger log_subtree_append_only");
            f.execute("update log_subtree set hash = sha256('forged') where level = 3 and idx = 0");
            long subtrees = f.count("select count(*) from log_subtree");
            f.append(bytes("next"));
            f.append(bytes("and next"));
            assertThatThrownBy(writer::runOnce).hasMessageContaining("refusing to sign");
            assertThat(f.log.latestCheckpoint().orElseThrow().treeSize()).isEqualTo(8);
            assertThat(f.count("select count(*) from log_subtree")).isEqualTo(subtrees);
        }
    }

    @Test
    void aCrashBetweenAppendAndCheckpointLosesNoEntry() {
        try (LogFixture f = new LogFixture()) {
            List<byte[]> entries = NaiveMerkle.entries(7);
            entries.forEach(f::append);
            AtomicBoolean broken = new AtomicBoolean(true);
            LogWriter crashing = f.writer(100, new KeyRing() {
                @Override
                public String sign(RecordType type, Map<String, Object> claims) {
                    if (broken.get()) {
                        throw new IllegalStateException("the node died while signing");
                    }
                    return f.keyRing.sign(type, claims);
                }

                @Override
                public List<PublishedKey> publicKeys() {
                    return f.keyRing.publicKeys();
                }
            });
            assertThatThrownBy(crashing::runOnce).hasMessageContaining("died");
            assertThat(f.count("select count(*) from log_subtree")).isZero();
            assertThat(f.count("select count(*) from log_checkpoint")).isZero();
            crashing.close();

            LogWriter next = f.writer(100);
            List<Checkpoint> issued = LogFixture.integrateAll(next);
            assertThat(issued).extracting(Checkpoint::treeSize).containsExactly(7L);
            assertThat(issued.get(0).rootHash()).isEqualTo(LogVerifier.rootOf(entries));
        }
    }

    @Test
    void oneWriterLeadsAndAnotherTakesOverWhenItStops() {
        try (LogFixture f = new LogFixture()) {
            LogWriter a = f.writer(100);
            LogWriter b = f.writer(100);
            assertThat(a.runOnce()).isInstanceOf(LogWriter.Integrated.class);
            assertThat(b.runOnce()).isInstanceOf(LogWriter.NotLeader.class);
            f.append(bytes("x"));
            assertThat(b.runOnce()).isInstanceOf(LogWriter.NotLeader.class);
            a.close();
            assertThat(b.runOnce()).isInstanceOf(LogWriter.Integrated.class);
            assertThat(b.isLeader()).isTrue();
            assertThatThrownBy(a::runOnce).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void theBackgroundWriterCheckpointsWhatIsAppended() throws Exception {
        try (LogFixture f = new LogFixture()) {
            LogWriter writer = f.writer(100);
            writer.start();
            f.append(bytes("one"));
            f.append(bytes("two"));
            writer.wakeUp();
            Checkpoint latest = awaitCheckpoint(f, 2);
            assertThat(latest.rootHash()).isEqualTo(LogVerifier.rootOf(List.of(bytes("one"), bytes("two"))));
            writer.close();
            assertThat(f.count("select count(*) from pg_locks where locktype = 'advisory' "
                    + "and database = (select oid from pg_database where datname = current_database())")).isZero();
        }
    }

    private static Checkpoint awaitCheckpoint(LogFixture f, long size) throws InterruptedException {
        // Polls rather than sleeps a fixed time; the generous bound only stops a broken writer hanging the build.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            var latest = f.log.latestCheckpoint();
            if (latest.isPresent() && latest.get().treeSize() >= size) {
                return latest.get();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no checkpoint of size " + size + " appeared");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
