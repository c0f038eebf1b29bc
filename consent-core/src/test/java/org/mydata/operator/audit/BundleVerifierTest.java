package org.mydata.operator.audit;

import org.mydata.operator.verify.audit.AuditBundle;
import org.mydata.operator.verify.audit.AuditJson;
import org.mydata.operator.verify.audit.BundleVerifier;
import org.mydata.operator.verify.audit.Check;
import org.mydata.operator.verify.audit.KeptCheckpoint;
import org.mydata.operator.verify.audit.Report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.access.ConsentsEndedException;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.ConsistencyProof;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.signing.RecordType;

/**
 * The consent bundle verifier on bundles the real assembly made from PostgreSQL, honest and then tampered
 * with in every way the issue names; each tampering must fail a check that names the record and the reason.
 */
class BundleVerifierTest {
    @TempDir
    static Path keys;

    static AuditFixture f;

    Consent consent;

    @BeforeAll
    static void operator() {
        f = new AuditFixture(keys);
    }

    @AfterAll
    static void close() {
        f.close();
    }

    /** Linked, consented, read once, paused, resumed, read again, withdrawn: four status records, two reads. */
    @BeforeEach
    void history() {
        consent = f.consent(f.op.newAccount());
        f.access(consent, 3);
        f.change(consent, ConsentStatus.PAUSED);
        f.change(consent, ConsentStatus.ACTIVE);
        f.access(consent, 2);
        consent = f.change(consent, ConsentStatus.WITHDRAWN);
    }

    private static Report verify(AuditBundle bundle) {
        return BundleVerifier.verify(f.jwks(), bundle, null);
    }

    private long csrIndex(int sequence) {
        return consent.statusRecords().get(sequence - 1).logIndex();
    }

    private static AuditBundle withRecords(AuditBundle bundle, List<AuditBundle.Item> records) {
        return new AuditBundle(bundle.consentId(), bundle.checkpoint(), records, bundle.accessEvents());
    }

    private static void assertFails(Report report, String check, String... mentions) {
        assertThat(report.ok()).isFalse();
        assertThat(report.failures()).as(report.failures().toString())
                .anySatisfy(c -> {
                    assertThat(c.name()).isEqualTo(check);
                    assertThat(c.detail()).contains(mentions);
                });
    }

    @Test
    void anHonestBundlePassesEveryCheck() throws Exception {
        AuditBundle bundle = f.bundle(consent);
        assertThat(bundle.records()).extracting(i -> i.kind().wire())
                .containsExactly("cr", "csr", "csr", "csr", "csr", "slr", "permit");
        assertThat(bundle.accessEvents()).hasSize(2);

        Report report = verify(bundle);

        assertThat(report.failures()).isEmpty();
        assertThat(report.ok()).isTrue();
        assertThat(report.checks()).extracting(Check::name).contains("checkpoint", "signature", "inclusion", "consent",
                "links", "claims", "chain", "withdrawal final", "access");
        assertThat(report.checks()).filteredOn(c -> c.name().equals("access")).hasSize(2)
                .allSatisfy(c -> assertThat(c.detail()).contains("relied on the consent while active"));
        assertThat(report.checks()).filteredOn(c -> c.name().equals("withdrawal final")).singleElement()
                .satisfies(c -> assertThat(c.detail()).contains("withdrawn at csr #" + csrIndex(4)));

        // What the operator serves is what the verifier reads.
        String json = AuditJson.write(AuditJson.toJson(bundle));
        assertThat(AuditJson.bundle(AuditJson.parseObject(json, "bundle"))).isEqualTo(bundle);
    }

    @Test
    void aByteFlippedInAStoredStatusRecordFailsItsSignatureAndInclusion() throws Exception {
        StatusRecord paused = consent.statusRecords().get(1);
        String record = paused.record();
        int at = record.lastIndexOf('.') + 20;
        String flipped = record.substring(0, at) + (record.charAt(at) == 'A' ? 'B' : 'A') + record.substring(at + 1);
        f.op.execute("alter table consent_status disable trigger consent_status_append_only");
        try {
            f.op.execute("update consent_status set record = ? where id = ?", flipped, paused.id());
        } finally {
            f.op.execute("alter table consent_status enable trigger consent_status_append_only");
        }

        Report report = verify(f.bundle(consent));

        String label = "csr #" + paused.logIndex() + " (csr_id " + paused.id() + ")";
        assertFails(report, "signature", label, "signature does not verify");
        assertFails(report, "inclusion", label, "differs from the logged entry");
        // The next record names the hash of the record as signed, not as altered.
        assertFails(report, "chain", "csr #" + csrIndex(3), "prev_csr_hash does not match");
    }

    @Test
    void aDroppedStatusRecordBreaksTheChainWhereItWasMissing() {
        AuditBundle bundle = f.bundle(consent);
        List<AuditBundle.Item> records = new ArrayList<>(bundle.records());
        // Leave out the pause: the reads would then look as if the consent had been active throughout.
        records.removeIf(i -> i.kind() == AuditBundle.Kind.CSR && i.logIndex() == csrIndex(2));

        Report report = verify(withRecords(bundle, records));

        assertFails(report, "chain", "csr #" + csrIndex(3), "prev_csr_hash does not match the status record before it "
                + "(csr #" + csrIndex(1) + ")");
        assertThat(report.failures()).extracting(Check::name).containsOnly("chain");
    }

    @Test
    void twoSwappedStatusRecordsAreBothNamed() {
        AuditBundle bundle = f.bundle(consent);
        List<AuditBundle.Item> records = new ArrayList<>(bundle.records());
        Collections.swap(records, 2, 3);

        Report report = verify(withRecords(bundle, records));

        assertFails(report, "chain", "csr #" + csrIndex(3), "prev_csr_hash does not match");
        assertFails(report, "chain", "csr #" + csrIndex(2), "out of log order");
    }

    @Test
    void aStatusRecordResignedWithAForeignKeyUnderTheOperatorsKidFails() throws Exception {
        AuditBundle bundle = f.bundle(consent);
        StatusRecord withdrawal = consent.statusRecords().get(3);
        Map<String, Object> claims = new HashMap<>(f.op.verifier().verify(withdrawal.record()).claims());
        claims.put("status", "active");
        claims.remove("reason");
        String forged = AuditFixture.resign(f.foreignKey(), RecordType.CONSENT_STATUS, claims);
        List<AuditBundle.Item> records = new ArrayList<>();
        for (AuditBundle.Item item : bundle.records()) {
            records.add(item.kind() == AuditBundle.Kind.CSR && item.logIndex() == withdrawal.logIndex()
                    ? new AuditBundle.Item(item.kind(), item.logIndex(), forged, item.auditPath()) : item);
        }

        Report report = verify(withRecords(bundle, records));

        String label = "csr #" + withdrawal.logIndex() + " (csr_id " + withdrawal.id() + ")";
        assertFails(report, "signature", label, "signature does not verify with key " + f.op.keyRing.activeKeyId());
        assertFails(report, "inclusion", label);
    }

    @Test
    void aCheckpointWithAnotherRootIsCaughtWhetherTheSignatureIsKeptOrForged() throws Exception {
        AuditBundle bundle = f.bundle(consent);
        Checkpoint real = bundle.checkpoint();
        Hash otherRoot = MerkleTree.leafHash("another history".getBytes());

        // The stated root changed, the operator's genuine JWS kept.
        AuditBundle keptSignature = new AuditBundle(bundle.consentId(),
                new Checkpoint(real.treeSize(), otherRoot, real.issuedAt(), real.jws()), bundle.records(),
                bundle.accessEvents());
        Report first = verify(keptSignature);
        assertFails(first, "checkpoint", "root_hash " + otherRoot.base64() + " is not the signed "
                + real.rootHash().base64());
        assertFails(first, "inclusion", "csr #" + csrIndex(1));

        // A new JWS for the other root, signed with a foreign key under the operator's kid.
        String forgedJws = AuditFixture.resign(f.foreignKey(), RecordType.CHECKPOINT,
                Checkpoint.claims(real.treeSize(), otherRoot, real.issuedAt()));
        AuditBundle forged = new AuditBundle(bundle.consentId(),
                new Checkpoint(real.treeSize(), otherRoot, real.issuedAt(), forgedJws), bundle.records(),
                bundle.accessEvents());
        Report second = verify(forged);
        assertFails(second, "checkpoint", "checkpoint of " + real.treeSize() + " entries", "signature does not verify");
        assertFails(second, "inclusion", "cr #" + consent.logIndex());
    }

    @Test
    void aKeptCheckpointThatTheBundleExtendsPassesAndAForkedOneFails() {
        f.writer.runOnce();
        Checkpoint earlier = f.op.log.latestCheckpoint().orElseThrow();
        consent = f.change(f.consent(f.op.newAccount()), ConsentStatus.PAUSED);
        AuditBundle bundle = f.bundle(consent);
        Checkpoint latest = bundle.checkpoint();
        assertThat(latest.treeSize()).isGreaterThan(earlier.treeSize());
        ConsistencyProof proof = f.op.log.consistencyProof(earlier.treeSize(), latest.treeSize());

        Report honest = BundleVerifier.verify(f.jwks(), bundle, new KeptCheckpoint(earlier, proof));
        assertThat(honest.failures()).isEmpty();
        assertThat(honest.checks()).filteredOn(c -> c.name().equals("consistency")).singleElement()
                .satisfies(c -> assertThat(c.detail()).contains("is a prefix of"));

        // An operator that once signed another root for the same size cannot make the two one history.
        Hash forkRoot = MerkleTree.leafHash("fork".getBytes());
        Checkpoint sameSizeFork = signedByOperator(latest.treeSize(), forkRoot);
        Report sameSize = BundleVerifier.verify(f.jwks(), bundle, new KeptCheckpoint(sameSizeFork, null));
        assertFails(sameSize, "consistency", "two different roots for the same tree size " + latest.treeSize());

        // Nor with a smaller one: the real proof does not lead from the forked root.
        Checkpoint smallerFork = signedByOperator(earlier.treeSize(), forkRoot);
        Report smaller = BundleVerifier.verify(f.jwks(), bundle, new KeptCheckpoint(smallerFork, proof));
        assertFails(smaller, "consistency", "kept checkpoint of " + earlier.treeSize() + " entries",
                "are not one history");

        // A proof between other sizes is not accepted in place of the right one.
        Report wrongProof = BundleVerifier.verify(f.jwks(), bundle, new KeptCheckpoint(earlier,
                f.op.log.consistencyProof(1, latest.treeSize())));
        assertFails(wrongProof, "consistency", "is from 1 to " + latest.treeSize());
    }

    @Test
    void theOperatorItselfRefusesToLogAnAccessAfterTheWithdrawal() {
        int before = f.bundle(consent).accessEvents().size();
        assertThatThrownBy(() -> f.access(consent, 1)).isInstanceOf(ConsentsEndedException.class)
                .satisfies(e -> assertThat(((ConsentsEndedException) e).consentIds()).containsExactly(consent.id()));
        assertThat(f.bundle(consent).accessEvents()).hasSize(before);
    }

    @Test
    void anAccessEventAfterTheWithdrawalIsNamed() {
        f.rogueAccess(consent, 1);
        AuditBundle bundle = f.bundle(consent);
        long late = bundle.accessEvents().get(2).logIndex();

        Report report = verify(bundle);

        assertFails(report, "access", "access event #" + late, "the consent was withdrawn at that position (csr #"
                + csrIndex(4) + ")");
        assertThat(report.failures()).hasSize(1);
    }

    @Test
    void aRecordTheCheckpointDoesNotCoverYetIsReportedNotHidden() {
        AuditBundle bundle = f.bundle(consent);
        Checkpoint c = bundle.checkpoint();
        // As if the bundle had been assembled while the writer was down: the newest record is past the checkpoint.
        long last = csrIndex(4);
        Checkpoint older = new Checkpoint(last, f.op.log.rootHash(last), Instant.EPOCH, c.jws());
        List<AuditBundle.Item> records = bundle.records().stream().map(i -> i.logIndex() == last
                ? new AuditBundle.Item(i.kind(), i.logIndex(), i.jws(), null) : i).toList();
        Report report = verify(new AuditBundle(bundle.consentId(), older, records, List.of()));
        assertFails(report, "inclusion", "csr #" + last, "does not cover it yet");
    }

    private static Checkpoint signedByOperator(long size, Hash root) {
        Instant iat = Instant.parse("2025-03-01T10:00:00Z");
        return new Checkpoint(size, root, iat,
                f.op.keyRing.sign(RecordType.CHECKPOINT, Checkpoint.claims(size, root, iat)));
    }
}
