package org.mydata.operator.audit;

import org.mydata.operator.verify.audit.Check;
import org.mydata.operator.verify.audit.LogAudit;
import org.mydata.operator.verify.audit.Report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.MemoryTree;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.verify.signing.RecordType;

/**
 * The full-log audit over a log the operator really wrote, then over logs altered after the fact and logs
 * in which the operator itself signed what the rules forbid: the first break the root, the second keep it
 * and are caught by the chain and access checks.
 */
class LogAuditTest {
    @TempDir
    static Path keys;

    static AuditFixture f;
    static Consent withdrawn;
    static Consent paused;
    static List<LogEntry> entries;
    static Checkpoint checkpoint;

    @BeforeAll
    static void aLogWithHistory() {
        f = new AuditFixture(keys);
        withdrawn = f.consent(f.op.newAccount());
        f.access(withdrawn, 4);
        f.change(withdrawn, ConsentStatus.PAUSED);
        f.change(withdrawn, ConsentStatus.ACTIVE);
        withdrawn = f.change(withdrawn, ConsentStatus.WITHDRAWN);
        paused = f.change(f.consent(f.op.newAccount()), ConsentStatus.PAUSED);
        f.writer.runOnce();
        checkpoint = f.op.log.latestCheckpoint().orElseThrow();
        entries = new ArrayList<>();
        for (long start = 0; start < checkpoint.treeSize(); start += TransparencyLog.MAX_PAGE) {
            entries.addAll(f.op.log.entries(start, Math.min(checkpoint.treeSize(), start + TransparencyLog.MAX_PAGE)));
        }
    }

    @AfterAll
    static void close() {
        f.close();
    }

    private static Report audit(List<LogEntry> log, Checkpoint against, long verifyFrom) {
        return audit(f.jwks(), log, against, verifyFrom);
    }

    private static Report audit(JWKSet jwks, List<LogEntry> log, Checkpoint against, long verifyFrom) {
        LogAudit audit = new LogAudit(jwks, verifyFrom);
        for (int i = 0; i < log.size(); i += 3) {
            audit.add(log.subList(i, Math.min(log.size(), i + 3)));
        }
        return audit.finish(against);
    }

    private static void assertFails(Report report, String check, String... mentions) {
        assertThat(report.ok()).isFalse();
        assertThat(report.failures()).as(report.failures().toString())
                .anySatisfy(c -> {
                    assertThat(c.name()).isEqualTo(check);
                    assertThat(c.detail()).contains(mentions);
                });
    }

    /** The log plus entries the operator signs itself, under a checkpoint it signs over all of them. */
    private static Audited extended(List<byte[]> more) {
        List<LogEntry> log = new ArrayList<>(entries);
        for (byte[] entry : more) {
            log.add(new LogEntry(log.size(), entry, MerkleTree.leafHash(entry)));
        }
        MemoryTree tree = new MemoryTree();
        log.forEach(e -> tree.append(e.entry()));
        Instant iat = Instant.parse("2025-03-01T12:00:00Z");
        Checkpoint signed = new Checkpoint(tree.size(), tree.root(), iat,
                f.op.keyRing.sign(RecordType.CHECKPOINT, Checkpoint.claims(tree.size(), tree.root(), iat)));
        return new Audited(log, signed);
    }

    private record Audited(List<LogEntry> log, Checkpoint checkpoint) {
        Report audit() {
            return LogAuditTest.audit(log, checkpoint, 0);
        }
    }

    private static byte[] statusRecord(Consent consent, String status, long logIndex) {
        return f.op.keyRing.sign(RecordType.CONSENT_STATUS, statusClaims(consent, status, logIndex))
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static Map<String, Object> statusClaims(Consent consent, String status, long logIndex) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("csr_id", UUID.randomUUID().toString());
        claims.put("cr_id", consent.id().toString());
        claims.put("account_id", consent.accountId().toString());
        claims.put("status", status);
        claims.put("changed_by", "operator");
        claims.put("reason", "operator error");
        claims.put("prev_csr_hash", RecordHash.sha256(consent.latestStatus().record()));
        claims.put("iat", 1_740_830_000L);
        claims.put("log_index", logIndex);
        return claims;
    }

    private static byte[] accessEvent(Consent consent) {
        return AccessLog.canonicalEntry(new AccessEvent(UUID.randomUUID(), f.permitId, "researcher@uni.example",
                "search-type", List.of("Observation"), 1,
                List.of(new PersonAccess(consent.accountId(), consent.id(), 1)), Instant.now(f.op.clock)));
    }

    @Test
    void theLogAsWrittenPassesAndItsRootIsTheSignedOne() {
        Report report = audit(entries, checkpoint, 0);

        assertThat(report.failures()).isEmpty();
        assertThat(report.ok()).isTrue();
        assertThat(report.checks()).extracting(Check::name).containsExactly("checkpoint", "entries", "root",
                "signature", "keys", "claims", "chain", "withdrawal final", "opt-outs", "links", "access", "duties");
        assertThat(report.checks()).filteredOn(c -> c.name().equals("duties")).singleElement()
                .satisfies(c -> assertThat(c.detail()).endsWith("(1 decisions)"));
        assertThat(report.checks()).filteredOn(c -> c.name().equals("chain")).singleElement()
                .satisfies(c -> assertThat(c.detail()).endsWith("(2 consents)"));
        assertThat(report.checks()).filteredOn(c -> c.name().equals("access")).singleElement()
                .satisfies(c -> assertThat(c.detail()).contains("(1 events, 1 consent uses)"));

        Report resumed = audit(entries, checkpoint, entries.size() / 2);
        assertThat(resumed.ok()).isTrue();
        assertThat(resumed.checks()).filteredOn(c -> c.name().equals("signature")).singleElement()
                .satisfies(c -> assertThat(c.detail()).contains("from #" + entries.size() / 2));
    }

    @Test
    void aStatusRecordRewrittenInTheLogChangesTheRoot() throws Exception {
        long index = withdrawn.latestStatus().logIndex();
        Map<String, Object> claims = new HashMap<>(f.op.verifier().verify(withdrawn.latestStatus().record()).claims());
        claims.put("status", "paused");
        byte[] forged = AuditFixture.resign(f.foreignKey(), RecordType.CONSENT_STATUS, claims)
                .getBytes(StandardCharsets.US_ASCII);
        List<LogEntry> log = new ArrayList<>(entries);
        // The forger even serves a leaf hash to match, so only the root can tell.
        log.set((int) index, new LogEntry(index, forged, MerkleTree.leafHash(forged)));

        Report report = audit(log, checkpoint, 0);

        assertFails(report, "root", "the " + entries.size() + " entries hash to root");
        assertFails(report, "signature", "csr #" + index, "signature does not verify");
    }

    @Test
    void anEntryWhoseBytesDoNotHashToItsLeafHashIsNamed() {
        List<LogEntry> log = new ArrayList<>(entries);
        LogEntry first = log.get(0);
        log.set(0, new LogEntry(0, first.entry(), MerkleTree.leafHash("other".getBytes())));
        assertFails(audit(log, checkpoint, 0), "entries", "entry #0: its bytes hash to");
    }

    @Test
    void aStatusChangeAfterTheWithdrawalAndAReadRelyingOnItAreNamedEvenUnderAValidRoot() {
        long next = entries.size();
        Audited log = extended(List.of(statusRecord(withdrawn, "active", next), accessEvent(withdrawn)));

        Report report = log.audit();

        assertThat(report.checks()).filteredOn(c -> c.name().equals("root")).singleElement()
                .satisfies(c -> assertThat(c.passed()).isTrue());
        assertFails(report, "withdrawal final", "csr #" + next, "after the withdrawal at csr #"
                + withdrawn.latestStatus().logIndex());
        assertFails(report, "access", "access event #" + (next + 1), "consent " + withdrawn.id() + " was withdrawn");
    }

    @Test
    void aPermitOrRejectionDecidedByItsOwnRequesterIsNamed() {
        long next = entries.size();
        Map<String, Object> permit = new HashMap<>();
        permit.put("permit_id", UUID.randomUUID().toString());
        permit.put("researcher", "dual-role");
        permit.put("organisation", "Uni");
        permit.put("decision", Map.of("decision", "approve", "decided_by", "dual-role", "decided_at", 1_740_830_000L));
        permit.put("iat", 1_740_830_000L);
        Map<String, Object> sameOrganisation = new HashMap<>(permit);
        sameOrganisation.put("permit_id", UUID.randomUUID().toString());
        sameOrganisation.put("decision", Map.of("decision", "approve", "decided_by", "colleague",
                "decided_by_organisation", " uni", "decided_at", 1_740_830_000L));
        Map<String, Object> rejection = new HashMap<>(Map.of("request_id", UUID.randomUUID().toString(),
                "decision", "reject", "requested_by", "dual-role", "decided_by", "dual-role", "reason", "r",
                "iat", 1_740_830_000L));
        Audited log = extended(List.of(
                f.op.keyRing.sign(RecordType.PERMIT, permit).getBytes(StandardCharsets.US_ASCII),
                f.op.keyRing.sign(RecordType.PERMIT, sameOrganisation).getBytes(StandardCharsets.US_ASCII),
                f.op.keyRing.sign(RecordType.REQUEST_DECISION, rejection).getBytes(StandardCharsets.US_ASCII)));

        Report report = log.audit();

        assertFails(report, "duties", "#" + next, "same subject dual-role");
        assertFails(report, "duties", "#" + (next + 1), "same organisation");
        assertFails(report, "duties", "#" + (next + 2), "same subject dual-role");
    }

    @Test
    void aReadRelyingOnAPausedConsentIsNamed() {
        Audited log = extended(List.of(accessEvent(paused)));
        assertFails(log.audit(), "access", "access event #" + entries.size(), "consent " + paused.id()
                + " was paused at that position (csr #" + paused.latestStatus().logIndex() + ")");
    }

    @Test
    void aStatusRecordWithAWrongLogIndexOrPredecessorIsNamed() {
        long next = entries.size();
        byte[] wrongIndex = statusRecord(paused, "active", next + 7);
        Report report = extended(List.of(wrongIndex)).audit();
        assertFails(report, "claims", "csr #" + next, "claims log_index " + (next + 7));

        Map<String, Object> claims = new HashMap<>();
        claims.put("csr_id", UUID.randomUUID().toString());
        claims.put("cr_id", paused.id().toString());
        claims.put("account_id", paused.accountId().toString());
        claims.put("status", "active");
        claims.put("changed_by", "person");
        claims.put("prev_csr_hash", RecordHash.sha256(paused.statusRecords().get(0).record()));
        claims.put("iat", 1_740_830_000L);
        claims.put("log_index", next);
        byte[] fork = f.op.keyRing.sign(RecordType.CONSENT_STATUS, claims).getBytes(StandardCharsets.US_ASCII);
        assertFails(extended(List.of(fork)).audit(), "chain", "csr #" + next, "prev_csr_hash does not match the status "
                + "record before it (csr #" + paused.latestStatus().logIndex() + ")");
    }

    @Test
    void aKeyTheLogNeverAnnouncedIsNamedAndOneARotationAnnouncedIsAccepted() throws Exception {
        OctetKeyPair newKey = new OctetKeyPairGenerator(Curve.Ed25519).keyIDFromThumbprint(true).generate();
        List<JWK> keys = new ArrayList<>(f.jwks().getKeys());
        keys.add(newKey.toPublicJWK());
        JWKSet jwks = new JWKSet(keys);
        long next = entries.size();

        byte[] unannounced = AuditFixture.resign(newKey, RecordType.CONSENT_STATUS,
                statusClaims(paused, "active", next)).getBytes(StandardCharsets.US_ASCII);
        Audited quiet = extended(List.of(unannounced));
        Report report = audit(jwks, quiet.log(), quiet.checkpoint(), 0);
        assertFails(report, "keys", "csr #" + next, "signed with key " + newKey.getKeyID() + ", which no key rotation");
        assertThat(report.failures()).extracting(Check::name).containsOnly("keys");

        Map<String, Object> rotation = new HashMap<>();
        rotation.put("kid", newKey.getKeyID());
        rotation.put("previous_kid", f.op.keyRing.activeKeyId());
        rotation.put("jwk", newKey.toPublicJWK().toJSONObject());
        rotation.put("iat", 1_740_830_000L);
        byte[] announcement = AuditFixture.resign(newKey, RecordType.KEY_ROTATION, rotation)
                .getBytes(StandardCharsets.US_ASCII);
        byte[] announced = AuditFixture.resign(newKey, RecordType.CONSENT_STATUS,
                statusClaims(paused, "active", next + 1)).getBytes(StandardCharsets.US_ASCII);
        Audited rotated = extended(List.of(announcement, announced));
        Report fine = audit(jwks, rotated.log(), rotated.checkpoint(), 0);
        assertThat(fine.failures()).isEmpty();
    }

    @Test
    void aCheckpointThatDoesNotMatchTheEntriesIsNamed() {
        Hash other = MerkleTree.leafHash("x".getBytes());
        Report report = audit(entries, new Checkpoint(checkpoint.treeSize(), other, checkpoint.issuedAt(),
                checkpoint.jws()), 0);
        assertFails(report, "checkpoint", "root_hash " + other.base64() + " is not the signed");
        assertFails(report, "root", "the checkpoint says " + other.base64());

        Report shorter = audit(entries.subList(0, entries.size() - 1), checkpoint, 0);
        assertFails(shorter, "entries", "the audit saw " + (entries.size() - 1) + " entries");
    }
}
