package org.mydata.operator.audit;

import org.mydata.operator.verify.audit.AuditBundle;
import org.mydata.operator.verify.audit.LogAudit;
import org.mydata.operator.verify.audit.Report;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.log.CheckpointSigner;
import org.mydata.operator.log.LogAppends;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.log.LogWriter;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.testing.TestOperator;

/**
 * The consent core with its log writer, a permit and an access log, on a fresh database: what an audit
 * needs to find. Its key ring is a real keystore; the foreign key it makes for forgeries shares the kid.
 */
final class AuditFixture implements AutoCloseable {
    static final String STEWARD = "steward@research.example";

    final TestOperator op;
    final LogWriter writer;
    final AuditBundles bundles;
    final AccessLog accessLog;
    final DataRequests requests;
    final FhirSource hospital;
    final Programme programme;
    final UUID permitId;

    AuditFixture(Path keys) {
        op = new TestOperator(keys);
        writer = new LogWriter(op.dataSource, new CheckpointSigner(op.keyRing, op.clock, "operator.example/mydata-log",
                null), new LogWriter.Settings(10_000, Duration.ofMillis(5)));
        // The writer integrates on demand here, so a test never waits on a background thread.
        bundles = new AuditBundles(op.tx, op.log, writer::runOnce, Duration.ofSeconds(5));
        accessLog = new AccessLog(op.tx, op.appender);
        requests = new DataRequests(op.tx, op.appender, op.clock);
        hospital = op.source("Hospital A");
        programme = op.heartStudy();
        UUID request = requests.submit("researcher@uni.example", new NewDataRequest(programme.id(), "Heart outcomes",
                "University Heart Research", "dpv:ScientificResearch",
                new DataScope(List.of("Observation"), null, null),
                "Outcome study", TestOperator.START.plus(Duration.ofDays(365)))).id();
        permitId = requests.decide(STEWARD, request, DataRequests.Decision.APPROVE, null).permitId();
    }

    JWKSet jwks() {
        return Jwks.toJwkSet(op.keyRing.publicKeys());
    }

    /** A fresh person with a hospital link and a consent to the heart study, active. */
    Consent consent(Account person) {
        op.link(person, hospital);
        return op.consents.grant(person, new NewConsent(programme.id(), null, null, null, null, null));
    }

    Consent change(Consent consent, ConsentStatus status) {
        op.clock.advance(Duration.ofMinutes(1));
        op.consents.changeStatus(op.accountOf(consent), consent.id(), status, StatusRecord.ChangedBy.PERSON, null);
        return op.consents.get(op.accountOf(consent), consent.id());
    }

    /** A gateway read of the person's observations under the consent, logged as the gateway logs it. */
    void access(Consent consent, int resources) {
        op.clock.advance(Duration.ofMinutes(1));
        accessLog.record(new AccessEvent(UUID.randomUUID(), permitId, "researcher@uni.example", "search-type",
                List.of("Observation"), resources,
                List.of(new PersonAccess(consent.accountId(), consent.id(), resources)), Instant.now(op.clock)));
    }

    /**
     * What a misbehaving operator could write: an access event that skips {@link AccessLog#record}'s check
     * that the consent is still in force, straight into the tables and the log.
     */
    void rogueAccess(Consent consent, int resources) {
        op.clock.advance(Duration.ofMinutes(1));
        rogueAccess(permitId, consent, List.of("Observation"), resources, Instant.now(op.clock));
    }

    /** {@link #rogueAccess(Consent, int)} under any permit, of any types, at any time: returns its event id. */
    UUID rogueAccess(UUID permitId, Consent consent, List<String> types, int resources, Instant at) {
        AccessEvent event = new AccessEvent(UUID.randomUUID(), permitId, "researcher@uni.example", "search-type",
                types, resources, List.of(new PersonAccess(consent.accountId(), consent.id(), resources)), at);
        op.tx.inTransaction(c -> {
            long index = LogAppends.append(c, AccessLog.canonicalEntry(event));
            try (PreparedStatement ps = c.prepareStatement("insert into access_event (id, permit_id, client, "
                    + "interaction, resource_types, resource_count, person_count, consent_ids, created_at, log_index) "
                    + "values (?,?,?,?,?,?,?,?,?,?)")) {
                ps.setObject(1, event.id());
                ps.setObject(2, permitId);
                ps.setString(3, event.client());
                ps.setString(4, event.interaction());
                ps.setArray(5, c.createArrayOf("text", event.resourceTypes().toArray()));
                ps.setInt(6, resources);
                ps.setInt(7, 1);
                ps.setArray(8, c.createArrayOf("uuid", new Object[] {consent.id()}));
                ps.setTimestamp(9, Timestamp.from(event.at()));
                ps.setLong(10, index);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into access_event_person (event_id, account_id, "
                    + "consent_id, resource_count) values (?,?,?,?)")) {
                ps.setObject(1, event.id());
                ps.setObject(2, consent.accountId());
                ps.setObject(3, consent.id());
                ps.setInt(4, resources);
                ps.executeUpdate();
            }
            return null;
        });
        return event.id();
    }

    /** The full-log audit of everything written so far, against a checkpoint the writer signs now. */
    Report auditWholeLog() {
        writer.runOnce();
        Checkpoint checkpoint = op.log.latestCheckpoint().orElseThrow();
        List<LogEntry> entries = new ArrayList<>();
        for (long start = 0; start < checkpoint.treeSize(); start += TransparencyLog.MAX_PAGE) {
            entries.addAll(op.log.entries(start, Math.min(checkpoint.treeSize(),
                    start + TransparencyLog.MAX_PAGE)));
        }
        LogAudit audit = new LogAudit(jwks());
        audit.add(entries);
        return audit.finish(checkpoint);
    }

    AuditBundle bundle(Consent consent) {
        return bundles.ofConsent(consent.id());
    }

    /** A key that is not the operator's but claims its kid, as a forger would. */
    OctetKeyPair foreignKey() throws Exception {
        return new OctetKeyPairGenerator(Curve.Ed25519).keyID(op.keyRing.activeKeyId()).generate();
    }

    /** The same claims, signed by someone else under the operator's kid. */
    static String resign(OctetKeyPair key, RecordType type, Map<String, Object> claims) throws Exception {
        JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(key.getKeyID())
                .type(new JOSEObjectType(type.mediaType())).build(), new Payload(claims));
        jws.sign(new Ed25519Signer(key));
        return jws.serialize();
    }

    @Override
    public void close() {
        writer.close();
    }
}
