package org.mydata.operator.log;

import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.ConsistencyProof;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.InclusionProof;
import org.mydata.operator.verify.log.InvalidProofException;
import org.mydata.operator.verify.log.LogVerifier;
import org.mydata.operator.verify.log.MemoryTree;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.log.Subtree;
import org.mydata.operator.verify.log.SubtreeHashes;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A log of 10,000 entries answers roots and proofs from O(log n) stored hashes, counted, not timed. */
class LogScaleTest {
    private static final int N = 10_000;

    private final AtomicLong lookups = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    private SubtreeHashes counting(SubtreeHashes source) {
        return new SubtreeHashes() {
            @Override
            public Hash hash(Subtree subtree) {
                requests.incrementAndGet();
                lookups.incrementAndGet();
                return source.hash(subtree);
            }

            @Override
            public Map<Subtree, Hash> hashes(Collection<Subtree> subtrees) {
                requests.incrementAndGet();
                lookups.addAndGet(subtrees.size());
                return source.hashes(subtrees);
            }
        };
    }

    @Test
    void proofsOnTenThousandEntriesReadAtMostTwoLogNSubtrees() throws Exception {
        try (LogFixture f = new LogFixture(this::counting)) {
            List<byte[]> entries = new ArrayList<>(N);
            for (int i = 0; i < N; i++) {
                entries.add(("{\"event\":" + i + ",\"resource_count\":" + (i % 17) + "}").getBytes());
            }
            for (int i = 0; i < N; i += 1000) {
                List<byte[]> chunk = entries.subList(i, i + 1000);
                f.tx.inTransaction(c -> LogAppends.appendAll(c, chunk));
            }
            List<Checkpoint> issued = LogFixture.integrateAll(f.writer(4096));
            assertThat(issued).extracting(Checkpoint::treeSize).containsExactly(4096L, 8192L, 10_000L);
            MemoryTree expected = MemoryTree.of(entries);
            assertThat(issued.get(issued.size() - 1).rootHash()).isEqualTo(expected.root());

            Random random = new Random(42);
            List<long[]> pairs = new ArrayList<>();
            for (long n : new long[] {N, N - 1, 8193, 8191, 4097, 6143, 1}) {
                pairs.add(new long[] {0, n});
                pairs.add(new long[] {n - 1, n});
                pairs.add(new long[] {n / 2, n});
                for (int i = 0; i < 20; i++) {
                    pairs.add(new long[] {(long) (random.nextDouble() * n), n});
                }
            }
            long worst = f.tx.read(c -> {
                long most = 0;
                for (long[] p : pairs) {
                    most = Math.max(most, checkProofs(f, c, expected, entries, p[0], p[1]));
                }
                return most;
            });
            assertThat(worst).as("the most subtrees any proof read").isLessThanOrEqualTo(2L * ceilLog2(N) + 2);
        }
    }

    /** Checks one pair's proofs and root against the pure tree; returns the most lookups either proof made. */
    private long checkProofs(LogFixture f, Connection c, MemoryTree expected, List<byte[]> entries, long m, long n)
            throws SQLException {
        long bound = 2L * ceilLog2(n) + 2;
        long most = 0;
        lookups.set(0);
        requests.set(0);
        InclusionProof inclusion = f.log.inclusionProof(c, m, n);
        assertThat(lookups.get()).as("inclusion %d in %d", m, n).isLessThanOrEqualTo(bound);
        assertThat(requests.get()).isLessThanOrEqualTo(1);
        most = Math.max(most, lookups.get());
        assertThat(inclusion.auditPath()).isEqualTo(expected.inclusionProof(m, n));
        try {
            LogVerifier.verifyInclusion(inclusion, MerkleTree.leafHash(entries.get((int) m)), expected.root(n));
        } catch (InvalidProofException e) {
            throw new AssertionError(e);
        }

        lookups.set(0);
        requests.set(0);
        ConsistencyProof consistency = f.log.consistencyProof(c, m, n);
        assertThat(lookups.get()).as("consistency %d to %d", m, n).isLessThanOrEqualTo(bound);
        assertThat(requests.get()).isLessThanOrEqualTo(1);
        most = Math.max(most, lookups.get());
        assertThat(consistency.consistency()).isEqualTo(expected.consistencyProof(m, n));
        try {
            LogVerifier.verifyConsistency(consistency, expected.root(m), expected.root(n));
        } catch (InvalidProofException e) {
            throw new AssertionError(e);
        }

        lookups.set(0);
        assertThat(f.log.rootHash(c, n)).isEqualTo(expected.root(n));
        assertThat(lookups.get()).isEqualTo(Long.bitCount(n));
        return most;
    }

    private static int ceilLog2(long n) {
        return n <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
    }
}
