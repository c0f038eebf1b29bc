package org.mydata.operator.log;

import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.LogVerifier;
import org.mydata.operator.verify.log.MemoryTree;
import org.mydata.operator.verify.testing.NaiveMerkle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ConcurrentAppendTest {
    private static final int THREADS = 8;
    private static final int TRANSACTIONS_PER_THREAD = 40;

    @Test
    void eightThreadsAppendGapFreeWhileTheWriterCheckpointsAlongside() throws Exception {
        try (LogFixture f = new LogFixture()) {
            LogWriter background = f.writer(16);
            background.start();

            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<Map<Long, byte[]>>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    go.await();
                    Map<Long, byte[]> mine = new HashMap<>();
                    // One connection per thread, as a pool would lend it: each transaction appends, then
                    // commits or rolls back.
                    try (Connection c = f.dataSource.getConnection()) {
                        c.setAutoCommit(false);
                        for (int i = 0; i < TRANSACTIONS_PER_THREAD; i++) {
                            String name = "thread " + thread + " tx " + i;
                            Map<Long, byte[]> appended = new HashMap<>();
                            int kind = i % 7;
                            if (kind == 3) {
                                List<byte[]> two = List.of(bytes(name + " a"), bytes(name + " b"));
                                long first = LogAppends.appendAll(c, two);
                                appended.put(first, two.get(0));
                                appended.put(first + 1, two.get(1));
                            } else {
                                byte[] entry = bytes(name);
                                appended.put(LogAppends.append(c, entry), entry);
                            }
                            if (kind == 5) {
                                // rolled back: its index must go to the next appender
                                c.rollback();
                            } else {
                                c.commit();
                                mine.putAll(appended);
                            }
                        }
                    }
                    return mine;
                }));
            }
            go.countDown();
            Map<Long, byte[]> committed = new HashMap<>();
            for (Future<Map<Long, byte[]>> r : results) {
                Map<Long, byte[]> mine = r.get();
                for (Long index : mine.keySet()) {
                    assertThat(committed).as("index %d handed out twice", index).doesNotContainKey(index);
                }
                committed.putAll(mine);
            }
            pool.shutdown();
            background.close();

            int perThread = 0;
            for (int i = 0; i < TRANSACTIONS_PER_THREAD; i++) {
                perThread += i % 7 == 5 ? 0 : i % 7 == 3 ? 2 : 1;
            }
            long n = (long) THREADS * perThread;
            List<Long> indices = new ArrayList<>(committed.keySet());
            Collections.sort(indices);
            assertThat(indices).hasSize((int) n);
            assertThat(indices.get(0)).isZero();
            assertThat(indices.get(indices.size() - 1)).isEqualTo(n - 1);
            assertThat(f.log.sequencedSize()).isEqualTo(n);

            List<byte[]> inOrder = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                inOrder.add(committed.get(i));
            }
            for (long start = 0; start < n; start += TransparencyLog.MAX_PAGE) {
                List<LogEntry> page = f.log.entries(start, Math.min(n, start + TransparencyLog.MAX_PAGE));
                for (LogEntry e : page) {
                    assertThat(e.entry()).isEqualTo(committed.get(e.index()));
                }
            }

            List<Checkpoint> all = new ArrayList<>(checkpoints(f));
            all.addAll(LogFixture.integrateAll(f.writer(16)));
            MemoryTree expected = MemoryTree.of(inOrder);
            assertThat(expected.root()).isEqualTo(new Hash(NaiveMerkle.mth(inOrder)));
            assertThat(all.get(all.size() - 1).treeSize()).isEqualTo(n);
            Checkpoint previous = null;
            for (Checkpoint cp : all) {
                assertThat(cp.rootHash()).as("root of %d", cp.treeSize()).isEqualTo(expected.root(cp.treeSize()));
                assertThat(Checkpoint.fromRecord(f.recordVerifier().verify(cp.jws()))).isEqualTo(cp);
                if (previous != null) {
                    assertThat(cp.treeSize()).isGreaterThan(previous.treeSize());
                    LogVerifier.verifyConsistency(f.log.consistencyProof(previous.treeSize(), cp.treeSize()),
                            previous.rootHash(), cp.rootHash());
                }
                previous = cp;
            }
        }
    }

    private static List<Checkpoint> checkpoints(LogFixture f) {
        List<Checkpoint> out = new ArrayList<>();
        f.tx.read(c -> {
            try (var s = c.createStatement(); var rs = s.executeQuery("select tree_size from log_checkpoint order by tree_size")) {
                while (rs.next()) {
                    out.add(f.log.checkpoint(rs.getLong(1)).orElseThrow());
                }
            }
            return null;
        });
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
