package org.mydata.operator.audit;

import org.mydata.operator.verify.audit.Check;
import org.mydata.operator.verify.audit.LogAudit;
import org.mydata.operator.verify.audit.Report;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ForkJoinPool;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.log.CheckpointSigner;
import org.mydata.operator.verify.log.ConsistencyProof;
import org.mydata.operator.verify.log.InclusionProof;
import org.mydata.operator.log.LogAppends;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.LogVerifier;
import org.mydata.operator.log.LogWriter;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.log.Tile;
import org.mydata.operator.verify.log.TileReader;
import org.mydata.operator.verify.log.TiledSubtrees;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.signing.SigningAlgorithm;
import org.mydata.operator.store.Transactions;
import org.mydata.operator.testing.MutableClock;
import org.mydata.operator.testing.TestPostgres;

/**
 * Measures, and only reports (no timed assertions): a full-log audit of 100,000 entries read from PostgreSQL
 * page by page as the API serves them, the same audit read from the log's C2SP tiles in a mirror directory, and
 * inclusion proofs answered from the stored tree at that size.
 * Not part of the normal run (the class name matches none of surefire's patterns); run it with
 * {@code ./mvnw -pl consent-core test -Dtest=LogAuditBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 *
 * <p>The log holds what a busy operator's would: per person a service link, a consent, four status records
 * (active, paused, active, withdrawn) and three access events relying on the consent while it is active;
 * two thirds of the entries are Ed25519-signed records, the rest canonical JSON, and every chain and access
 * check has real work to do.
 */
@Tag("benchmark")
class LogAuditBenchmark {
    private static final int N = 100_000;
    private static final int PROOFS = 2_000;
    private static final String ORIGIN = "operator.example/mydata-log";

    @Test
    void auditOfAHundredThousandEntriesAndInclusionProofsAtThatSize() throws Exception {
        report("machine: %d cores, common pool parallelism %d, load average before: %s",
                Runtime.getRuntime().availableProcessors(), ForkJoinPool.commonPool().getParallelism(), load());
        MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00Z"));
        KeystoreKeyRing keyRing = KeystoreKeyRing.openOrCreate(Files.createTempDirectory("audit-benchmark")
                .resolve("operator.p12"), "bench".toCharArray(), "operator", SigningAlgorithm.EDDSA, clock);
        DataSource dataSource = TestPostgres.freshDatabase();
        Transactions tx = new Transactions(dataSource);
        TransparencyLog log = new TransparencyLog(tx);
        JWKSet jwks = Jwks.toJwkSet(keyRing.publicKeys());

        long t0 = System.nanoTime();
        new History(keyRing, log, tx, clock.instant()).fill(N);
        long t1 = System.nanoTime();
        Checkpoint checkpoint;
        try (LogWriter writer = new LogWriter(dataSource, new CheckpointSigner(keyRing, clock, ORIGIN, null),
                new LogWriter.Settings(10_000, Duration.ofMillis(5)))) {
            while (writer.runOnce() instanceof LogWriter.Integrated) {
                // one batch of at most 10,000 entries and one checkpoint per round
            }
            checkpoint = log.latestCheckpoint().orElseThrow();
        }
        long t2 = System.nanoTime();
        assertThat(checkpoint.treeSize()).isEqualTo(N);
        report("built the log: %,d entries signed and appended in %.1f s, integrated and checkpointed in %.1f s",
                N, seconds(t1 - t0), seconds(t2 - t1));

        // Reading alone, to tell the database's share from the verifier's.
        long t3 = System.nanoTime();
        long bytes = 0;
        for (long start = 0; start < N; start += TransparencyLog.MAX_PAGE) {
            for (LogEntry e : log.entries(start, Math.min(N, start + TransparencyLog.MAX_PAGE))) {
                bytes += e.entry().length;
            }
        }
        long t4 = System.nanoTime();
        report("reading the %,d entries (%.1f MB) in pages of %d from PostgreSQL: %.2f s", N, bytes / 1e6,
                TransparencyLog.MAX_PAGE, seconds(t4 - t3));

        for (int round = 1; round <= 2; round++) {
            long a = System.nanoTime();
            Report full = audit(log, jwks, checkpoint, 0);
            long b = System.nanoTime();
            assertThat(full.failures()).isEmpty();
            report("full-log audit, run %d (read + every signature + root + chains + access events): %.2f s, "
                    + "%,.0f entries/s", round, seconds(b - a), N / seconds(b - a));
        }
        // The same audit from the log published as tiles, mirrored into a directory first (issue 26: at most 2x).
        Path mirror = Files.createTempDirectory("audit-benchmark-tiles");
        long m0 = System.nanoTime();
        long mirrored = 0;
        for (Tile tile : Tile.allInTree(N)) {
            mirrored += write(mirror.resolve(tile.path()), log.hashTile(tile).orElseThrow());
            if (tile.level() == 0) {
                mirrored += write(mirror.resolve(tile.entriesPath()), log.entryBundle(tile).orElseThrow());
            }
        }
        long m1 = System.nanoTime();
        report("publishing the tiles of %,d entries from PostgreSQL into a mirror directory: %.2f s, %.1f MB", N,
                seconds(m1 - m0), mirrored / 1e6);
        for (int round = 1; round <= 2; round++) {
            long a = System.nanoTime();
            Report full = auditTiles(TileReader.of(mirror), jwks, checkpoint);
            long b = System.nanoTime();
            assertThat(full.failures()).isEmpty();
            report("full-log audit from the mirror's tiles, run %d: %.2f s, %,.0f entries/s", round, seconds(b - a),
                    N / seconds(b - a));
        }

        long c = System.nanoTime();
        Report unsigned = audit(log, jwks, checkpoint, N);
        long d = System.nanoTime();
        assertThat(unsigned.failures()).isEmpty();
        report("the same without signature checks (--from %d: read + root + chains + access events): %.2f s", N,
                seconds(d - c));

        Random random = new Random(7);
        long[] nanos = new long[PROOFS];
        long verifyNanos = 0;
        for (int i = 0; i < PROOFS; i++) {
            long index = (long) (random.nextDouble() * N);
            long s = System.nanoTime();
            InclusionProof proof = log.inclusionProof(index, N);
            long e = System.nanoTime();
            nanos[i] = e - s;
            LogEntry entry = log.entry(index).orElseThrow();
            long v = System.nanoTime();
            LogVerifier.verifyInclusion(proof, MerkleTree.leafHash(entry.entry()), checkpoint.rootHash());
            verifyNanos += System.nanoTime() - v;
        }
        Arrays.sort(nanos);
        report("inclusion proof at size %,d from PostgreSQL (%d random leaves, %d hashes each): median %.2f ms, "
                + "p99 %.2f ms, max %.2f ms; verifying one: %.1f us", N, PROOFS,
                log.inclusionProof(0, N).auditPath().size(), nanos[PROOFS / 2] / 1e6, nanos[PROOFS * 99 / 100] / 1e6,
                nanos[PROOFS - 1] / 1e6, verifyNanos / 1e3 / PROOFS);
        long[] consistency = new long[50];
        for (int i = 0; i < consistency.length; i++) {
            long from = 1 + (long) (random.nextDouble() * (N - 1));
            long s = System.nanoTime();
            ConsistencyProof proof = log.consistencyProof(from, N);
            consistency[i] = System.nanoTime() - s;
            LogVerifier.verifyConsistency(proof, log.rootHash(from), checkpoint.rootHash());
        }
        Arrays.sort(consistency);
        report("consistency proof to size %,d from PostgreSQL: median %.2f ms", N, consistency[25] / 1e6);
        report("load average after: %s", load());
    }

    private static Report audit(TransparencyLog log, JWKSet jwks, Checkpoint checkpoint, long verifyFrom) {
        LogAudit audit = new LogAudit(jwks, verifyFrom);
        for (long start = 0; start < checkpoint.treeSize(); start += TransparencyLog.MAX_PAGE) {
            audit.add(log.entries(start, Math.min(checkpoint.treeSize(), start + TransparencyLog.MAX_PAGE)));
        }
        return audit.finish(checkpoint);
    }

    /** As {@code verify log --tiles DIR} reads the log: per level-0 tile, its leaf hashes and its entry bundle. */
    private static Report auditTiles(TileReader tiles, JWKSet jwks, Checkpoint checkpoint) throws Exception {
        LogAudit audit = new LogAudit(jwks, 0);
        TiledSubtrees tree = tiles.subtrees(checkpoint.treeSize());
        for (long n = 0; n * Tile.WIDTH < checkpoint.treeSize(); n++) {
            audit.add(tiles.entries(Tile.inTree(0, n, checkpoint.treeSize()).orElseThrow(), tree));
        }
        return audit.finish(List.of(Check.pass("checkpoint", "the benchmark's own")), checkpoint.treeSize(),
                checkpoint.rootHash());
    }

    private static long write(Path file, byte[] bytes) throws Exception {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        return bytes.length;
    }

    private static String load() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).strip();
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void report(String format, Object... args) {
        System.out.println("[benchmark] " + String.format(format, args));
    }

    /**
     * Writes the synthetic history straight into the log, a thousand entries per transaction. The indexes
     * are known in advance (one writer, nothing else appending), so status records carry their log_index
     * as the operator's do.
     */
    private static final class History {
        private final KeystoreKeyRing keyRing;
        private final TransparencyLog log;
        private final Transactions tx;
        private final Instant at;
        private final long iat;
        private final UUID permitId = UUID.randomUUID();
        private final List<byte[]> batch = new ArrayList<>();
        private long next;

        History(KeystoreKeyRing keyRing, TransparencyLog log, Transactions tx, Instant at) {
            this.keyRing = keyRing;
            this.log = log;
            this.tx = tx;
            this.at = at;
            this.iat = at.getEpochSecond();
        }

        void fill(int n) {
            Map<String, Object> permit = new LinkedHashMap<>();
            permit.put("permit_id", permitId.toString());
            permit.put("project_id", UUID.randomUUID().toString());
            permit.put("purposes", List.of("dpv:ScientificResearch"));
            permit.put("scope", Map.of("resource_types", List.of("Patient", "Observation")));
            permit.put("valid_from", iat);
            permit.put("iat", iat);
            add(sign(RecordType.PERMIT, permit));
            while (next + batch.size() < n) {
                person(n);
            }
            flush();
        }

        /** One person's history, cut short where the log reaches n entries. */
        private void person(int n) {
            previous = null;
            UUID account = UUID.randomUUID();
            UUID slr = UUID.randomUUID();
            UUID cr = UUID.randomUUID();
            Map<String, Object> link = new LinkedHashMap<>();
            link.put("slr_id", slr.toString());
            link.put("account_id", account.toString());
            link.put("service_id", "b1f0c4a2-1d53-4a57-9d0e-3c2f8f0a9e11");
            link.put("surrogate_id", "patient-" + next);
            link.put("iat", iat);
            Map<String, Object> consent = new LinkedHashMap<>();
            consent.put("cr_id", cr.toString());
            consent.put("account_id", account.toString());
            consent.put("slr_ids", List.of(slr.toString()));
            consent.put("programme_id", "2d7c9e55-8b1a-4f0e-a3c6-5e9b7d1f2a40");
            consent.put("purposes", List.of("dpv:ScientificResearch"));
            consent.put("scope", Map.of("resource_types", List.of("Patient", "Observation")));
            consent.put("valid_from", iat);
            consent.put("terms", Map.of("policy_uri", "https://research.example/terms", "version", "1",
                    "shown_text_sha256", RecordHash.sha256("text " + cr)));
            consent.put("iat", iat);
            List<Runnable> steps = List.of(
                    () -> add(sign(RecordType.SERVICE_LINK, link)),
                    () -> add(sign(RecordType.CONSENT, consent)),
                    () -> status(cr, account, "active"),
                    () -> access(cr, account),
                    () -> access(cr, account),
                    () -> status(cr, account, "paused"),
                    () -> status(cr, account, "active"),
                    () -> access(cr, account),
                    () -> status(cr, account, "withdrawn"));
            for (Runnable step : steps) {
                if (next + batch.size() >= n) {
                    return;
                }
                step.run();
            }
        }

        /** The person's latest status record; each person's chain starts afresh. */
        private String previous;

        private void status(UUID cr, UUID account, String status) {
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("csr_id", UUID.randomUUID().toString());
            claims.put("cr_id", cr.toString());
            claims.put("account_id", account.toString());
            claims.put("status", status);
            claims.put("changed_by", "person");
            if (previous != null) {
                claims.put("prev_csr_hash", RecordHash.sha256(previous));
            }
            claims.put("iat", iat);
            claims.put("log_index", next + batch.size());
            String record = keyRing.sign(RecordType.CONSENT_STATUS, claims);
            previous = record;
            add(record);
        }

        private void access(UUID cr, UUID account) {
            batch.add(AccessLog.canonicalEntry(new AccessEvent(UUID.randomUUID(), permitId, "researcher@uni.example",
                    "search-type", List.of("Observation"), 7, List.of(new PersonAccess(account, cr, 7)), at)));
            flushIfFull();
        }

        private String sign(RecordType type, Map<String, Object> claims) {
            return keyRing.sign(type, claims);
        }

        private void add(String record) {
            batch.add(record.getBytes(StandardCharsets.US_ASCII));
            flushIfFull();
        }

        private void flushIfFull() {
            if (batch.size() == TransparencyLog.MAX_PAGE) {
                flush();
            }
        }

        private void flush() {
            if (batch.isEmpty()) {
                return;
            }
            long first = tx.inTransaction(c -> LogAppends.appendAll(c, batch));
            if (first != next) {
                throw new IllegalStateException("expected to append at " + next + ", got " + first);
            }
            next += batch.size();
            batch.clear();
        }
    }
}
