package org.mydata.operator.audit;

import org.mydata.operator.verify.audit.AuditBundle;
import org.mydata.operator.verify.audit.BundleVerifier;
import org.mydata.operator.verify.audit.LogAudit;
import org.mydata.operator.verify.audit.Report;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.json.Json;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.MemoryTree;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.signing.SigningAlgorithm;
import org.mydata.operator.testing.MutableClock;

/**
 * One table of access events, each run through both auditors: the full-log audit over the whole log, and the
 * bundle verifier over the consent's bundle cut from the same log; and one for permits of a programme on an
 * opt-out basis, where the bundle is the person's inclusion bundle. Both must reach the same verdict in the same
 * words, so they can never again disagree on one log (as they once did on an event without {@code iat}). The
 * logs are signed in memory with a real key ring; no database.
 */
class AccessEventCasesTest {
    /** The scope that the permits and consents of these cases state: the events read observations. */
    private static final Map<String, Object> OBSERVATIONS = Map.of("resource_types", List.of("Observation"));

    static final long T = Instant.parse("2025-03-01T10:00:00Z").getEpochSecond();

    @TempDir
    static Path keys;
    static KeystoreKeyRing keyRing;
    static JWKSet jwks;

    @BeforeAll
    static void keys() {
        keyRing = KeystoreKeyRing.openOrCreate(keys.resolve("operator.p12"), "test".toCharArray(), "operator",
                SigningAlgorithm.EDDSA, new MutableClock(Instant.ofEpochSecond(T)));
        jwks = Jwks.toJwkSet(keyRing.publicKeys());
    }

    /**
     * What happens between the consent and the access event; and how the consent and permit were signed: the
     * consent allowing statistics only, or naming both modes (else, as before access modes, no claim); the permit
     * in statistics mode (else, as before, no claim: records).
     */
    enum Step { PAUSE, RESUME, WITHDRAW, REMOVE_LINK, STATISTICS_ONLY_CONSENT, RECORDS_CONSENT, STATISTICS_PERMIT }

    static final Consumer<Map<String, Object>> STATISTICAL_ANSWER = json -> json.put("interaction", "statistics");

    /**
     * @param validFrom  the consent record's valid_from (seconds)
     * @param validUntil its valid_until, or null
     * @param steps      records logged between the consent and the event
     * @param entry      changes to the event's entry as the writer wrote it, with {@code iat} = T
     * @param fails      none when both auditors must accept the event, else words both must report
     */
    static Arguments row(String name, long validFrom, Long validUntil, List<Step> steps,
                         Consumer<Map<String, Object>> entry, String... fails) {
        return Arguments.of(name, validFrom, validUntil, steps, entry, List.of(fails));
    }

    static final Consumer<Map<String, Object>> AS_WRITTEN = json -> { };

    static Stream<Arguments> cases() {
        return Stream.of(
                row("in force", T - 60, null, List.of(), AS_WRITTEN),
                row("paused before it", T - 60, null, List.of(Step.PAUSE), AS_WRITTEN,
                        "was paused at that position"),
                row("paused and resumed before it", T - 60, null, List.of(Step.PAUSE, Step.RESUME), AS_WRITTEN),
                row("withdrawn before it", T - 60, null, List.of(Step.WITHDRAW), AS_WRITTEN,
                        "was withdrawn at that position"),
                row("its link removed before it", T - 60, null, List.of(Step.REMOVE_LINK), AS_WRITTEN,
                        "had no live service link at that position"),
                row("valid_from after its iat", T + 1, null, List.of(), AS_WRITTEN, "validity had not begun"),
                row("valid_from exactly at its iat", T, null, List.of(), AS_WRITTEN),
                row("valid_until exactly at its iat", T - 60, T, List.of(), AS_WRITTEN, "validity had ended"),
                row("valid_until a second after its iat", T - 60, T + 1, List.of(), AS_WRITTEN),
                row("no iat", T - 60, null, List.of(), json -> json.remove("iat"), "it has no iat"),
                row("iat as text", T - 60, null, List.of(), json -> json.put("iat", Long.toString(T)),
                        "is not whole seconds"),
                row("iat with a fraction", T - 60, null, List.of(), json -> json.put("iat", T + 0.5),
                        "is not whole seconds"),
                row("another type", T - 60, null, List.of(), json -> json.put("type", "access-summary"),
                        "not access-event"),
                row("a consent id that is no UUID", T - 60, null, List.of(),
                        json -> json.put("consent_ids", List.of("consent-1")), "is not a UUID"),
                row("no persons", T - 60, null, List.of(), json -> json.remove("persons"),
                        "persons is missing or not an array"),
                row("paused, and outside its validity", T + 5, null, List.of(Step.PAUSE), AS_WRITTEN,
                        "was paused at that position", "'s validity had not begun at its time"),
                row("modes: records read under a statistics-only consent", T - 60, null,
                        List.of(Step.STATISTICS_ONLY_CONSENT), AS_WRITTEN,
                        "allows only statistics, and the event read records (search-type)"),
                row("modes: a statistical answer under a statistics-only consent", T - 60, null,
                        List.of(Step.STATISTICS_ONLY_CONSENT), STATISTICAL_ANSWER),
                row("modes: records read under a consent to records", T - 60, null, List.of(Step.RECORDS_CONSENT),
                        AS_WRITTEN),
                row("modes: a statistical answer under a consent to records", T - 60, null,
                        List.of(Step.RECORDS_CONSENT), STATISTICAL_ANSWER),
                row("modes: a statistical answer under a consent from before access modes", T - 60, null, List.of(),
                        STATISTICAL_ANSWER),
                row("modes: records read under a statistics permit", T - 60, null, List.of(Step.STATISTICS_PERMIT),
                        AS_WRITTEN, "it read records (search-type) under a statistics permit"),
                row("modes: a statistical answer under a statistics permit", T - 60, null,
                        List.of(Step.STATISTICS_PERMIT, Step.STATISTICS_ONLY_CONSENT), STATISTICAL_ANSWER),
                row("modes: a consent stating an unknown mode", T - 60, null, List.of(Step.RECORDS_CONSENT),
                        AS_WRITTEN, "states access modes the auditor does not know"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bothAuditorsReachTheSameVerdict(String name, long validFrom, Long validUntil, List<Step> steps,
                                         Consumer<Map<String, Object>> change, List<String> fails) throws Exception {
        Log log = new Log();
        UUID account = UUID.randomUUID();
        UUID link = UUID.randomUUID();
        UUID consent = UUID.randomUUID();
        UUID permit = UUID.randomUUID();
        log.record(AuditBundle.Kind.SLR, RecordType.SERVICE_LINK, Map.of("slr_id", link.toString(),
                "account_id", account.toString(), "service_id", UUID.randomUUID().toString(), "surrogate_id", "pat-1",
                "iat", T - 120));
        if (steps.contains(Step.STATISTICS_PERMIT)) {
            log.record(AuditBundle.Kind.PERMIT, RecordType.PERMIT, Map.of("permit_id", permit.toString(),
                    "access_mode", "statistics", "purposes", List.of("dpv:ScientificResearch"), "scope", OBSERVATIONS,
                    "valid_from", T - 120, "iat", T - 120));
        } else {
            log.jws(RecordType.PERMIT, Map.of("permit_id", permit.toString(), "purposes",
                    List.of("dpv:ScientificResearch"), "scope", OBSERVATIONS, "valid_from", T - 120, "iat", T - 120));
        }
        Map<String, Object> cr = new LinkedHashMap<>();
        cr.put("cr_id", consent.toString());
        cr.put("account_id", account.toString());
        cr.put("slr_ids", List.of(link.toString()));
        cr.put("purposes", List.of("dpv:ScientificResearch"));
        cr.put("scope", OBSERVATIONS);
        cr.put("valid_from", validFrom);
        if (validUntil != null) {
            cr.put("valid_until", validUntil);
        }
        if (steps.contains(Step.STATISTICS_ONLY_CONSENT)) {
            cr.put("access_modes", List.of("statistics"));
        } else if (steps.contains(Step.RECORDS_CONSENT)) {
            cr.put("access_modes", name.contains("unknown mode") ? List.of("statistics", "everything")
                    : List.of("statistics", "records"));
        }
        cr.put("iat", T - 100);
        log.record(AuditBundle.Kind.CR, RecordType.CONSENT, cr);
        String previous = log.status(consent, account, "active", null);
        for (Step step : steps) {
            switch (step) {
                case PAUSE -> previous = log.status(consent, account, "paused", previous);
                case RESUME -> previous = log.status(consent, account, "active", previous);
                case WITHDRAW -> previous = log.status(consent, account, "withdrawn", previous);
                case REMOVE_LINK -> log.record(AuditBundle.Kind.SLR_REMOVAL, RecordType.SERVICE_LINK_REMOVAL,
                        Map.of("slr_id", link.toString(), "account_id", account.toString(), "removed", true,
                                "iat", T - 10));
                default -> { }
            }
        }
        byte[] written = AccessLog.canonicalEntry(new AccessEvent(UUID.randomUUID(), permit, "researcher@uni.example",
                "search-type", List.of("Observation"), 3, List.of(new PersonAccess(account, consent, 3)),
                Instant.ofEpochSecond(T)));
        Map<String, Object> json = new LinkedHashMap<>(JSONObjectUtils.parse(new String(written,
                StandardCharsets.UTF_8)));
        change.accept(json);
        long eventIndex = log.access(change == AS_WRITTEN ? written : Json.write(json).getBytes(StandardCharsets.UTF_8));

        Checkpoint checkpoint = log.checkpoint();
        LogAudit full = new LogAudit(jwks);
        full.add(log.entries);
        Report whole = full.finish(checkpoint);
        Report bundle = BundleVerifier.verify(jwks, log.bundle(consent, checkpoint, eventIndex), null);

        for (Report report : List.of(whole, bundle)) {
            if (fails.isEmpty()) {
                assertThat(report.failures()).as(name + ": " + report.failures()).isEmpty();
            } else {
                assertThat(report.failures()).as(name + ": " + report.failures()).singleElement()
                        .satisfies(c -> assertThat(c.name()).isEqualTo("access"))
                        .satisfies(c -> assertThat(c.detail()).contains("access event #" + eventIndex)
                                .contains(fails));
            }
        }
    }

    /** What happens between the person's link and an access event under an opt-out basis (or just after it). */
    enum OptOutStep { OPT_OUT, WITHDRAW_OPT_OUT, REMOVE_LINK, EVENT }

    static Arguments optOutRow(String name, List<OptOutStep> steps, Consumer<Map<String, Object>> entry,
                               String... fails) {
        return Arguments.of(name, steps, entry, List.of(fails));
    }

    /** The same table's shape for a permit whose programme rests on an opt-out basis (EHDS secondary use). */
    static Stream<Arguments> optOutCases() {
        List<OptOutStep> eventOnly = List.of(OptOutStep.EVENT);
        return Stream.of(
                optOutRow("opt-out: linked and not opted out", eventOnly, AS_WRITTEN),
                optOutRow("opt-out: opted out before it",
                        List.of(OptOutStep.OPT_OUT, OptOutStep.EVENT), AS_WRITTEN,
                        "had opted out of the programme at that position"),
                optOutRow("opt-out: opted out and withdrawn before it",
                        List.of(OptOutStep.OPT_OUT, OptOutStep.WITHDRAW_OPT_OUT, OptOutStep.EVENT), AS_WRITTEN),
                optOutRow("opt-out: opted out just after it", List.of(OptOutStep.EVENT, OptOutStep.OPT_OUT),
                        AS_WRITTEN),
                optOutRow("opt-out: opted out, withdrawn and opted out again before it",
                        List.of(OptOutStep.OPT_OUT, OptOutStep.WITHDRAW_OPT_OUT, OptOutStep.OPT_OUT, OptOutStep.EVENT),
                        AS_WRITTEN, "had opted out of the programme at that position"),
                optOutRow("opt-out: its link removed before it", List.of(OptOutStep.REMOVE_LINK, OptOutStep.EVENT),
                        AS_WRITTEN, "had no live service link to a source of the programme at that position"),
                optOutRow("opt-out: opted out and unlinked before it",
                        List.of(OptOutStep.OPT_OUT, OptOutStep.REMOVE_LINK, OptOutStep.EVENT), AS_WRITTEN,
                        "had opted out of the programme at that position",
                        "had no live service link to a source of the programme at that position"),
                optOutRow("opt-out: a consent relied on instead", eventOnly, json -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> person = new LinkedHashMap<>(((List<Map<String, Object>>) json.get("persons"))
                            .get(0));
                    String consent = UUID.randomUUID().toString();
                    person.remove("slr_id");
                    person.put("consent_id", consent);
                    json.put("persons", List.of(person));
                    json.put("consent_ids", List.of(consent));
                }, "rests on ehds-secondary-use (opt-out), not on consent"),
                optOutRow("opt-out: a row naming both a consent and a link", eventOnly, json -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> person = new LinkedHashMap<>(((List<Map<String, Object>>) json.get("persons"))
                            .get(0));
                    person.put("consent_id", UUID.randomUUID().toString());
                    json.put("persons", List.of(person));
                }, "names both of consent_id (consent) and slr_id (opt-out basis)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optOutCases")
    void bothAuditorsReachTheSameVerdictUnderAnOptOutBasis(String name, List<OptOutStep> steps,
                                                          Consumer<Map<String, Object>> change, List<String> fails)
            throws Exception {
        Log log = new Log();
        UUID account = UUID.randomUUID();
        UUID link = UUID.randomUUID();
        UUID source = UUID.randomUUID();
        UUID programme = UUID.randomUUID();
        UUID permit = UUID.randomUUID();
        log.record(AuditBundle.Kind.SLR, RecordType.SERVICE_LINK, Map.of("slr_id", link.toString(),
                "account_id", account.toString(), "service_id", source.toString(), "surrogate_id", "pat-1",
                "iat", T - 120));
        log.record(AuditBundle.Kind.PERMIT, RecordType.PERMIT, Map.of("permit_id", permit.toString(),
                "programme_id", programme.toString(), "legal_basis", "ehds-secondary-use",
                "source_ids", List.of(source.toString()), "purposes", List.of("dpv:ScientificResearch"),
                "scope", OBSERVATIONS, "valid_from", T - 120, "iat", T - 120));
        String previous = null;
        UUID optOut = null;
        long eventIndex = -1;
        for (OptOutStep step : steps) {
            switch (step) {
                case OPT_OUT -> {
                    optOut = UUID.randomUUID();
                    previous = log.optOut(optOut, account, programme, "opted-out", previous);
                }
                case WITHDRAW_OPT_OUT -> previous = log.optOut(optOut, account, programme, "withdrawn", previous);
                case REMOVE_LINK -> log.record(AuditBundle.Kind.SLR_REMOVAL, RecordType.SERVICE_LINK_REMOVAL,
                        Map.of("slr_id", link.toString(), "account_id", account.toString(), "removed", true,
                                "iat", T - 10));
                default -> { }
                case EVENT -> {
                    byte[] written = AccessLog.canonicalEntry(new AccessEvent(UUID.randomUUID(), permit,
                            "researcher@uni.example", "search-type", List.of("Observation"), 3,
                            List.of(PersonAccess.underOptOut(account, link, 3)), Instant.ofEpochSecond(T)));
                    Map<String, Object> json = new LinkedHashMap<>(JSONObjectUtils.parse(new String(written,
                            StandardCharsets.UTF_8)));
                    change.accept(json);
                    eventIndex = log.access(change == AS_WRITTEN ? written
                            : Json.write(json).getBytes(StandardCharsets.UTF_8));
                }
            }
        }

        Checkpoint checkpoint = log.checkpoint();
        LogAudit full = new LogAudit(jwks);
        full.add(log.entries);
        Report whole = full.finish(checkpoint);
        Report bundle = BundleVerifier.verify(jwks, log.inclusionBundle(account, programme, checkpoint, eventIndex),
                null);

        long event = eventIndex;
        for (Report report : List.of(whole, bundle)) {
            if (fails.isEmpty()) {
                assertThat(report.failures()).as(name + ": " + report.failures()).isEmpty();
            } else {
                assertThat(report.failures()).as(name + ": " + report.failures()).singleElement()
                        .satisfies(c -> assertThat(c.name()).isEqualTo("access"))
                        .satisfies(c -> assertThat(c.detail()).contains("access event #" + event)
                                .contains(fails));
            }
        }
    }

    /** A log built entry by entry, and the consent's bundle cut from it. */
    private static final class Log {
        final List<LogEntry> entries = new ArrayList<>();
        final List<AuditBundle.Item> items = new ArrayList<>();
        final MemoryTree tree = new MemoryTree();

        long append(byte[] bytes) {
            long index = entries.size();
            entries.add(new LogEntry(index, bytes, MerkleTree.leafHash(bytes)));
            tree.append(bytes);
            return index;
        }

        String jws(RecordType type, Map<String, Object> claims) {
            String jws = keyRing.sign(type, claims);
            append(jws.getBytes(StandardCharsets.US_ASCII));
            return jws;
        }

        void record(AuditBundle.Kind kind, RecordType type, Map<String, Object> claims) {
            long index = entries.size();
            items.add(new AuditBundle.Item(kind, index, jws(type, claims), null));
        }

        /** A status record at the next index, chained to {@code previous}; returns its JWS. */
        String status(UUID consent, UUID account, String status, String previous) {
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("csr_id", UUID.randomUUID().toString());
            claims.put("cr_id", consent.toString());
            claims.put("account_id", account.toString());
            claims.put("status", status);
            claims.put("changed_by", "person");
            if (previous != null) {
                claims.put("prev_csr_hash", RecordHash.sha256(previous));
            }
            claims.put("iat", T - 50 + entries.size());
            claims.put("log_index", (long) entries.size());
            long index = entries.size();
            String jws = jws(RecordType.CONSENT_STATUS, claims);
            items.add(new AuditBundle.Item(AuditBundle.Kind.CSR, index, jws, null));
            return jws;
        }

        /** An opt-out record at the next index, chained to {@code previous}; returns its JWS. */
        String optOut(UUID optOut, UUID account, UUID programme, String status, String previous) {
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("opt_out_id", optOut.toString());
            claims.put("account_id", account.toString());
            claims.put("programme_id", programme.toString());
            claims.put("legal_basis", "ehds-secondary-use");
            claims.put("status", status);
            if (previous != null) {
                claims.put("prev_hash", RecordHash.sha256(previous));
            }
            claims.put("iat", T - 50 + entries.size());
            claims.put("log_index", (long) entries.size());
            long index = entries.size();
            String jws = jws(RecordType.OPT_OUT, claims);
            items.add(new AuditBundle.Item(AuditBundle.Kind.OPT_OUT, index, jws, null));
            return jws;
        }

        AuditBundle inclusionBundle(UUID account, UUID programme, Checkpoint checkpoint, long eventIndex) {
            AuditBundle cut = bundle(UUID.randomUUID(), checkpoint, eventIndex);
            return new AuditBundle(null, new AuditBundle.Inclusion(account.toString(), programme.toString()),
                    checkpoint, cut.records(), cut.accessEvents());
        }

        long access(byte[] entry) {
            return append(entry);
        }

        Checkpoint checkpoint() {
            Instant iat = Instant.ofEpochSecond(T + 60);
            return new Checkpoint(tree.size(), tree.root(), iat,
                    keyRing.sign(RecordType.CHECKPOINT, Checkpoint.claims(tree.size(), tree.root(), iat)));
        }

        AuditBundle bundle(UUID consent, Checkpoint checkpoint, long eventIndex) {
            List<AuditBundle.Item> records = items.stream().map(i -> new AuditBundle.Item(i.kind(), i.logIndex(),
                    i.jws(), tree.inclusionProof(i.logIndex(), checkpoint.treeSize()))).toList();
            AuditBundle.AccessEventItem event = new AuditBundle.AccessEventItem(eventIndex,
                    entries.get((int) eventIndex).entry(), null, tree.inclusionProof(eventIndex, checkpoint.treeSize()));
            return new AuditBundle(consent.toString(), checkpoint, records, List.of(event));
        }
    }
}
