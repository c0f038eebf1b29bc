package org.mydata.operator.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.access.CitizenAccess;
import org.mydata.operator.access.ConsentsEndedException;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.json.Json;
import org.mydata.operator.log.LogAppends;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.verify.access.AccessEntry;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.audit.AuditBundle;
import org.mydata.operator.verify.audit.BundleVerifier;
import org.mydata.operator.verify.audit.Check;
import org.mydata.operator.verify.audit.LogAudit;
import org.mydata.operator.verify.audit.Report;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.log.TreeFrontier;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * Issue 27: an access event too large for one log entry (an export download of many persons) is logged in chunks,
 * on PostgreSQL, with the entry bound lowered to 1,024 bytes so that a dozen persons make several chunks. The
 * export succeeds, every chunk is in the log in a row, each person sees the export in their access history and
 * their consent's bundle proves the chunk that names them, and the full-log audit passes; an operator's log that
 * drops, reorders or alters a chunk fails it.
 */
class AccessChunksTest {
    private static final int BOUND = 1024;

    @TempDir
    static Path keys;

    static AuditFixture f;
    static AccessLog chunked;
    /** The honest log's entries once the export is recorded, and the export's first entry and chunk count. */
    static List<LogEntry> log;
    static long first;
    static int chunks;
    static List<Consent> consents = new ArrayList<>();
    static AccessEvent export;

    @BeforeAll
    static void anExportOfADozenPersons() {
        f = new AuditFixture(keys);
        chunked = new AccessLog(f.op.tx, f.op.appender, BOUND);
        for (int i = 0; i < 12; i++) {
            consents.add(f.consent(f.op.newAccount()));
        }
        f.access(consents.get(0), 2);
        f.op.clock.advance(Duration.ofMinutes(1));
        List<PersonAccess> persons = consents.stream().map(c -> new PersonAccess(c.accountId(), c.id(), 3)).toList();
        export = new AccessEvent(UUID.randomUUID(), f.permitId, "researcher@uni.example", "export-download",
                List.of("Observation"), 36, persons, Instant.now(f.op.clock));
        first = f.op.log.sequencedSize();
        chunked.record(export);
        chunks = (int) (f.op.log.sequencedSize() - first);
        // Something after it, as in a live log.
        f.access(consents.get(1), 1);
        f.auditWholeLog();
        Checkpoint checkpoint = f.op.log.latestCheckpoint().orElseThrow();
        log = f.op.log.entries(0, checkpoint.treeSize());
    }

    @AfterAll
    static void close() {
        f.close();
    }

    @Test
    void anEventLargerThanAnEntryIsLoggedAsChunksInARow() {
        assertThat(AccessLog.canonicalEntry(export).length).isGreaterThan(BOUND);
        assertThat(chunks).isGreaterThan(2);
        List<UUID> named = new ArrayList<>();
        for (int k = 0; k < chunks; k++) {
            byte[] bytes = log.get((int) first + k).entry();
            assertThat(bytes.length).isLessThanOrEqualTo(BOUND);
            AccessEntry entry = (AccessEntry) AccessEntry.parse(bytes);
            assertThat(entry.eventId()).isEqualTo(export.id());
            assertThat(entry.chunk()).isEqualTo(new AccessEntry.Chunk(k, chunks));
            // Every chunk states the whole event's header.
            assertThat(entry.personCount()).isEqualTo(12);
            assertThat(entry.resourceCount()).isEqualTo(36);
            assertThat(entry.interaction()).isEqualTo("export-download");
            assertThat(entry.consentIds()).containsExactlyInAnyOrderElementsOf(
                    entry.persons().stream().map(PersonAccess::consentId).toList());
            entry.persons().forEach(p -> named.add(p.consentId()));
        }
        assertThat(named).containsExactlyElementsOf(consents.stream().map(Consent::id).toList());
        assertThat(AccessLog.canonicalEntries(export, BOUND)).hasSize(chunks);
        // Under the default bound the same event is one entry, as every event was before.
        assertThat(AccessLog.canonicalEntries(export, AccessLog.DEFAULT_MAX_ENTRY_BYTES))
                .singleElement().satisfies(e -> assertThat(e).isEqualTo(AccessLog.canonicalEntry(export)));
    }

    /**
     * The scale scenario's event, 10^5 persons, under the default bound: every chunk fits a tile's entry bundle,
     * reads back as its part of the event, and together they name every person once. No database: the chunking alone.
     */
    @Test
    void anEventOfTenToTheFivePersonsFitsEntryBundles() {
        int n = 100_000;
        List<PersonAccess> persons = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            persons.add(i % 10 == 0 ? PersonAccess.underOptOut(UUID.randomUUID(), UUID.randomUUID(), 1000 + i)
                    : new PersonAccess(UUID.randomUUID(), UUID.randomUUID(), i % 7));
        }
        AccessEvent large = new AccessEvent(UUID.randomUUID(), UUID.randomUUID(), "researcher-demo",
                "export-download", List.of("Observation"), persons.stream().mapToInt(PersonAccess::resourceCount).sum(),
                persons, Instant.parse("2026-12-07T12:00:00Z"));
        List<byte[]> entries = AccessLog.canonicalEntries(large, AccessLog.DEFAULT_MAX_ENTRY_BYTES);
        long bytes = 0;
        int named = 0;
        for (int k = 0; k < entries.size(); k++) {
            byte[] entry = entries.get(k);
            assertThat(entry.length).isLessThanOrEqualTo(org.mydata.operator.verify.log.EntryBundle.MAX_ENTRY_BYTES);
            AccessEntry read = (AccessEntry) AccessEntry.parse(entry);
            assertThat(read.chunk()).isEqualTo(new AccessEntry.Chunk(k, entries.size()));
            assertThat(read.personCount()).isEqualTo(n);
            named += read.persons().size();
            bytes += entry.length;
        }
        assertThat(named).isEqualTo(n);
        // The chunks are filled: none but the last is more than a row short of the bound.
        for (int k = 0; k < entries.size() - 1; k++) {
            assertThat(entries.get(k).length).isGreaterThan(AccessLog.DEFAULT_MAX_ENTRY_BYTES - 2 * 170);
        }
        System.out.printf("an access event of %,d persons: %,d bytes in one piece, %,d chunks of %,d bytes in all%n",
                n, AccessLog.canonicalEntry(large).length, entries.size(), bytes);
    }

    @Test
    void theFullLogAuditPasses() {
        Report report = f.auditWholeLog();
        assertThat(report.failures()).isEmpty();
        assertThat(report.checks()).filteredOn(c -> c.name().equals("access")).singleElement()
                .satisfies(c -> assertThat(c.detail()).contains("(3 events, 1 of them logged in " + chunks
                        + " chunks, each chunk in its place, 14 consent uses)"));
    }

    @Test
    void aPersonInALaterChunkSeesTheExportAndTheirBundleProvesThatChunk() {
        Consent last = consents.get(consents.size() - 1);
        assertThat(chunked.ofAccount(last.accountId())).extracting(CitizenAccess::eventId, CitizenAccess::interaction,
                CitizenAccess::resourceCount).containsExactly(org.assertj.core.groups.Tuple.tuple(export.id(),
                "export-download", 3));

        AuditBundle bundle = f.bundle(last);
        assertThat(bundle.accessEvents()).singleElement()
                .satisfies(e -> assertThat(e.logIndex()).isEqualTo(first + chunks - 1));
        Report report = BundleVerifier.verify(f.jwks(), bundle, null);
        assertThat(report.failures()).isEmpty();
        assertThat(report.checks()).filteredOn(c -> c.name().equals("access")).hasSize(1);

        // The person's own bundle: the chunk names others too, so it is withheld, with their own row.
        AuditBundle own = f.bundles.ofOwnConsent(last.accountId(), last.id());
        assertThat(own.accessEvents()).singleElement().satisfies(e -> {
            assertThat(e.logIndex()).isEqualTo(first + chunks - 1);
            assertThat(e.withheld().eventId()).isEqualTo(export.id());
            assertThat(e.withheld().own()).containsExactly(new PersonAccess(last.accountId(), last.id(), 3));
        });
        assertThat(BundleVerifier.verify(f.jwks(), own, null).failures()).isEmpty();
    }

    @Test
    void aChunkDroppedFromTheLogFailsTheAudit() {
        List<byte[]> entries = bytes(log);
        entries.remove((int) first + 1);
        assertThat(audit(entries).failures()).extracting(Check::detail).singleElement().asString()
                .contains("event_id " + export.id()).contains("chunk 1 of " + chunks + " is missing: #" + (first + 1)
                        + " is chunk 2");

        List<byte[]> lastDropped = bytes(log);
        lastDropped.remove((int) first + chunks - 1);
        assertThat(audit(lastDropped).failures()).extracting(Check::detail).singleElement().asString()
                .contains("chunk " + (chunks - 1) + " of " + chunks + " is missing: #" + (first + chunks - 1)
                        + " is another entry");

        List<byte[]> firstDropped = bytes(log);
        firstDropped.remove((int) first);
        assertThat(audit(firstDropped).failures()).extracting(Check::detail).singleElement().asString()
                .contains("(logged in " + chunks + " chunks): chunk 1 without the chunks before it");
    }

    @Test
    void chunksSwappedOrAlteredFailTheAudit() {
        List<byte[]> swapped = bytes(log);
        swapped.set((int) first, log.get((int) first + 1).entry());
        swapped.set((int) first + 1, log.get((int) first).entry());
        assertThat(passed(audit(swapped), "access")).isFalse();

        // A chunk that states another header (here: fewer resources) than the first.
        List<byte[]> header = bytes(log);
        header.set((int) first + 1, edit(log.get((int) first + 1).entry(), json -> {
            json.put("resource_count", 30);
            return json;
        }));
        assertThat(audit(header).failures()).extracting(Check::detail).singleElement().asString()
                .contains("chunk 1 at #" + (first + 1) + " states another header than its first chunk");

        // A person left out of a chunk: the chunks name fewer persons than the header counts.
        List<byte[]> fewer = bytes(log);
        fewer.set((int) first + 1, edit(log.get((int) first + 1).entry(), json -> {
            List<?> persons = (List<?>) json.get("persons");
            @SuppressWarnings("unchecked")
            Map<String, Object> gone = (Map<String, Object>) persons.get(0);
            json.put("persons", persons.subList(1, persons.size()));
            json.put("consent_ids", ((List<?>) json.get("consent_ids")).stream()
                    .filter(id -> !id.equals(gone.get("consent_id"))).toList());
            return json;
        }));
        assertThat(audit(fewer).failures()).extracting(Check::detail).singleElement().asString()
                .contains("its chunks name 11 persons, its header counts 12");

        // The stored bytes of a chunk changed, the leaf hash kept: the entries do not hash to the signed root.
        List<LogEntry> flipped = new ArrayList<>(log);
        byte[] changed = log.get((int) first + 1).entry().clone();
        changed[changed.length - 3] ^= 1;
        flipped.set((int) first + 1, new LogEntry(first + 1, changed, log.get((int) first + 1).leafHash()));
        LogAudit audit = new LogAudit(f.jwks());
        audit.add(flipped);
        Report report = audit.finish(f.op.log.latestCheckpoint().orElseThrow());
        assertThat(passed(report, "entries")).isFalse();
        assertThat(passed(report, "root")).isFalse();
    }

    /**
     * The same from the database: an operator that appends an export's chunks but one, and signs a checkpoint over
     * that log with its real key, fails the full-log audit.
     */
    @Test
    void anOperatorThatLogsAllButOneChunkFailsTheAudit(@TempDir Path ownKeys) {
        try (AuditFixture rogue = new AuditFixture(ownKeys)) {
            List<PersonAccess> persons = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Consent consent = rogue.consent(rogue.op.newAccount());
                persons.add(new PersonAccess(consent.accountId(), consent.id(), 1));
            }
            rogue.op.clock.advance(Duration.ofMinutes(1));
            AccessEvent event = new AccessEvent(UUID.randomUUID(), rogue.permitId, "researcher@uni.example",
                    "export-download", List.of("Observation"), 12, persons, Instant.now(rogue.op.clock));
            List<byte[]> all = AccessLog.canonicalEntries(event, BOUND);
            assertThat(all.size()).isGreaterThan(2);
            List<byte[]> allButOne = new ArrayList<>(all);
            allButOne.remove(1);
            rogue.op.tx.inTransaction(c -> LogAppends.appendAll(c, allButOne));
            Report report = rogue.auditWholeLog();
            assertThat(passed(report, "root")).isTrue();
            assertThat(report.failures()).extracting(Check::detail).singleElement().asString()
                    .contains("chunk 1 of " + all.size() + " is missing");
        }
    }

    /** Refused at its last check, a chunked event writes nothing: no chunk, no row. */
    @Test
    void aRefusedChunkedEventWritesNothing(@TempDir Path ownKeys) {
        try (AuditFixture g = new AuditFixture(ownKeys)) {
            AccessLog access = new AccessLog(g.op.tx, g.op.appender, BOUND);
            List<Consent> some = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                some.add(g.consent(g.op.newAccount()));
            }
            Consent withdrawn = g.change(some.get(7), ConsentStatus.WITHDRAWN);
            long before = g.op.log.sequencedSize();
            AccessEvent event = new AccessEvent(UUID.randomUUID(), g.permitId, "researcher@uni.example",
                    "export-download", List.of("Observation"), 8, some.stream()
                    .map(c -> new PersonAccess(c.accountId(), c.id(), 1)).toList(), Instant.now(g.op.clock));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> access.record(event))
                    .isInstanceOf(ConsentsEndedException.class);
            assertThat(g.op.log.sequencedSize()).isEqualTo(before);
            assertThat(access.ofAccount(some.get(0).accountId())).isEmpty();
            // A statement failing after the chunks were appended (a row naming an account the database does not
            // hold, which the last check does not look at) takes every chunk back with it.
            List<PersonAccess> broken = new ArrayList<>(some.subList(0, 7).stream()
                    .map(c -> new PersonAccess(c.accountId(), c.id(), 1)).toList());
            broken.set(6, new PersonAccess(UUID.randomUUID(), some.get(6).id(), 1));
            AccessEvent failing = new AccessEvent(UUID.randomUUID(), g.permitId, "researcher@uni.example",
                    "export-download", List.of("Observation"), 7, broken, Instant.now(g.op.clock));
            assertThat(AccessLog.canonicalEntries(failing, BOUND)).hasSizeGreaterThan(1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> access.record(failing))
                    .isInstanceOf(RuntimeException.class);
            assertThat(g.op.log.sequencedSize()).isEqualTo(before);
            assertThat(access.ofAccount(some.get(0).accountId())).isEmpty();
            // Of those still in, the event is written whole: every chunk, every row.
            assertThat(access.recordOfThoseStillIn(event)).containsExactly(withdrawn.id());
            long written = g.op.log.sequencedSize() - before;
            assertThat(written).isGreaterThan(1);
            assertThat(access.ofAccount(some.get(6).accountId())).hasSize(1);
            assertThat(access.ofAccount(withdrawn.accountId())).isEmpty();
            assertThat(g.auditWholeLog().failures()).isEmpty();
        }
    }

    // ---- an operator's own log, hashed and "signed" as it is ------------------------------------------------

    private static boolean passed(Report report, String check) {
        return report.checks().stream().filter(c -> c.name().equals(check)).allMatch(Check::passed);
    }

    private static List<byte[]> bytes(List<LogEntry> entries) {
        List<byte[]> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.entry()));
        return out;
    }

    /** The full-log audit of these entries against a root computed from them, as an operator would sign it. */
    private static Report audit(List<byte[]> entries) {
        List<LogEntry> logged = new ArrayList<>();
        TreeFrontier frontier = TreeFrontier.empty();
        for (int i = 0; i < entries.size(); i++) {
            LogEntry entry = new LogEntry(i, entries.get(i), MerkleTree.leafHash(entries.get(i)));
            logged.add(entry);
            frontier.append(entry.leafHash());
        }
        LogAudit audit = new LogAudit(f.jwks());
        audit.add(logged);
        return audit.finish(List.of(Check.pass("checkpoint", "signed by the operator")), entries.size(),
                frontier.root());
    }

    private static byte[] edit(byte[] entry, UnaryOperator<Map<String, Object>> change) {
        Map<String, Object> json = new LinkedHashMap<>(Json.read(new String(entry, StandardCharsets.UTF_8)));
        try {
            return new JsonCanonicalizer(Json.write(change.apply(json))).getEncodedUTF8();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
