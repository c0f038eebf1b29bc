package org.mydata.operator.optout;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.audit.AuditBundles;
import org.mydata.operator.log.CheckpointSigner;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.log.LogWriter;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.NewProgramme;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.representation.ComingOfAge;
import org.mydata.operator.representation.DemoRepresentations;
import org.mydata.operator.representation.Representation;
import org.mydata.operator.representation.RepresentationKind;
import org.mydata.operator.representation.Representations;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.store.Sql;
import org.mydata.operator.testing.TestOperator;
import org.mydata.operator.verify.audit.AuditBundle;
import org.mydata.operator.verify.audit.AuditJson;
import org.mydata.operator.verify.audit.BundleVerifier;
import org.mydata.operator.verify.audit.LogAudit;
import org.mydata.operator.verify.audit.Report;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.signing.RecordType;

/**
 * Opt-outs made by someone acting for another person, on the real consent core and PostgreSQL: a guardian opts a
 * child out and back in, the records name the child as subject and the guardian with the representation as actor,
 * and both auditors pass them; an opt-out record whose actor names no representation fails both. Each test has a
 * log of its own, so the forged record spoils no other audit.
 */
class OptOutsActingTest {
    /** A child of ten when the test's clock starts. */
    private static final LocalDate BORN = LocalDate.parse("2015-01-01");

    /** One operator with an opt-out programme, a log writer and the bundles. */
    private static final class World implements AutoCloseable {
        final TestOperator op;
        final LogWriter writer;
        final AuditBundles bundles;
        final OptOuts optOuts;
        final Programme registry;
        final FhirSource hospital;

        World(Path keys) {
            op = new TestOperator(keys);
            writer = new LogWriter(op.dataSource, new CheckpointSigner(op.keyRing, op.clock,
                    "operator.example/mydata-log", null), new LogWriter.Settings(10_000, Duration.ofMillis(5)));
            bundles = new AuditBundles(op.tx, op.log, writer::runOnce, Duration.ofSeconds(5));
            optOuts = new OptOuts(op.tx, op.appender, op.clock);
            hospital = op.source("Hospital A");
            registry = op.programmes.create(new NewProgramme("Cardio registry", "Secondary use of cardiology records",
                    "Health Data Access Body", List.of("dpv:ScientificResearch"),
                    DataScope.ofTypes(List.of("Patient", "Observation")), "https://hdab.example/notice", "1",
                    List.of("steward@hdab.example"), "ehds-secondary-use", List.of(hospital.id())));
        }

        JWKSet jwks() {
            return Jwks.toJwkSet(op.keyRing.publicKeys());
        }

        Report inclusionBundle(Account person) throws Exception {
            AuditBundle bundle = bundles.ofInclusion(person.id(), registry.id());
            // Through its JSON form, as an auditor receives it.
            AuditBundle received = AuditJson.bundle(AuditJson.parseObject(AuditJson.write(AuditJson.toJson(bundle)),
                    "bundle"));
            return BundleVerifier.verify(jwks(), received, null);
        }

        Report wholeLog() {
            writer.runOnce();
            Checkpoint checkpoint = op.log.latestCheckpoint().orElseThrow();
            List<LogEntry> entries = new ArrayList<>();
            for (long start = 0; start < checkpoint.treeSize(); start += TransparencyLog.MAX_PAGE) {
                entries.addAll(op.log.entries(start, Math.min(checkpoint.treeSize(), start + TransparencyLog.MAX_PAGE)));
            }
            LogAudit audit = new LogAudit(jwks());
            audit.add(entries);
            return audit.finish(checkpoint);
        }

        @Override
        public void close() {
            writer.close();
        }
    }

    @Test
    void aGuardianOptsOutForTheChildAndTheAuditorsPassIt(@TempDir Path keys) throws Exception {
        try (World w = new World(keys)) {
            Account guardian = w.op.newAccount();
            Account child = w.op.newAccount();
            PersonIdentifier guardianId = TestOperator.personOf(guardian);
            PersonIdentifier childId = TestOperator.personOf(child);
            DemoRepresentations demo = new DemoRepresentations(List.of(new Representation(
                    RepresentationKind.GUARDIAN, "demo-guardianship-1", guardianId, childId, "Child", BORN, null,
                    null)));
            Representations representations = new Representations(w.op.tx, w.op.accounts, demo::forActor,
                    new ComingOfAge(18, Duration.ofDays(30), ZoneId.of("Europe/Helsinki")), w.op.clock);
            Account subject = representations.accountOf(childId, child.subject());
            w.op.link(subject, w.hospital);

            Representations.Checked checked = representations.check(guardian, guardianId, childId);
            OptOut optOut = w.optOuts.optOut(subject, w.registry.id(), null,
                    org.mydata.operator.programme.Language.EN, checked.acting());
            w.op.clock.advance(Duration.ofMinutes(1));
            OptOut withdrawn = w.optOuts.withdraw(subject, optOut.id(),
                    representations.check(guardian, guardianId, childId).acting());
            assertThat(withdrawn.isLive()).isFalse();

            for (OptOutRecord record : withdrawn.records()) {
                Map<String, Object> claims = w.op.verifier().verify(record.record()).claims();
                assertThat(claims.get("account_id")).isEqualTo(child.id().toString());
                Map<?, ?> actor = (Map<?, ?>) claims.get("actor");
                assertThat(actor.get("account_id")).isEqualTo(guardian.id().toString());
                Map<?, ?> representation = (Map<?, ?>) actor.get("representation");
                assertThat(representation.get("kind")).isEqualTo("guardian");
                assertThat(representation.get("reference")).isEqualTo("demo-guardianship-1");
            }
            assertThat(w.op.count("select count(*) from opt_out_record where opt_out_id = ? "
                    + "and acted_by->>'account_id' = ?", optOut.id(), guardian.id().toString())).isEqualTo(2);
            assertThat(w.op.count("select count(*) from opt_out where id = ? and acted_by->>'account_id' = ?",
                    optOut.id(), guardian.id().toString())).isEqualTo(1);

            Report bundle = w.inclusionBundle(subject);
            assertThat(bundle.failures()).as(bundle.failures().toString()).isEmpty();
            assertThat(bundle.checks()).filteredOn(c -> c.name().equals("acting")).hasSize(2)
                    .allSatisfy(c -> assertThat(c.detail()).contains("acted for account " + child.id(),
                            "as guardian (demo-guardianship-1)"));
            Report log = w.wholeLog();
            assertThat(log.failures()).as(log.failures().toString()).isEmpty();
            assertThat(log.checks()).anySatisfy(c -> assertThat(c.name()).isEqualTo("acting"));
        }
    }

    @Test
    void anOptOutWhoseActorHadNoRepresentationFailsBothAuditors(@TempDir Path keys) throws Exception {
        try (World w = new World(keys)) {
            Account person = w.op.newAccount();
            Account stranger = w.op.newAccount();
            w.op.link(person, w.hospital);
            // What a misbehaving operator could sign: someone opts the person out, named, on no representation.
            UUID optOutId = UUID.randomUUID();
            Instant now = Instant.now(w.op.clock);
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("opt_out_id", optOutId.toString());
            claims.put("account_id", person.id().toString());
            claims.put("programme_id", w.registry.id().toString());
            claims.put("legal_basis", w.registry.legalBasis().wire());
            claims.put("status", OptOutRecord.OPTED_OUT);
            claims.put("iat", now.getEpochSecond());
            claims.put("actor", Map.of("account_id", stranger.id().toString()));
            w.op.appender.submit(c -> b -> {
                try (PreparedStatement ps = b.connection().prepareStatement("insert into opt_out (id, account_id, "
                        + "programme_id, created_at) values (?,?,?,?)")) {
                    ps.setObject(1, optOutId);
                    ps.setObject(2, person.id());
                    ps.setObject(3, w.registry.id());
                    ps.setTimestamp(4, Sql.timestamp(now));
                    ps.executeUpdate();
                }
                LogAppender.Appended signed = b.signAtIndex(RecordType.OPT_OUT, claims);
                try (PreparedStatement ps = b.connection().prepareStatement("insert into opt_out_record (id, "
                        + "opt_out_id, account_id, programme_id, seq, status, record, created_at, log_index) "
                        + "values (?,?,?,?,1,?,?,?,?)")) {
                    ps.setObject(1, UUID.randomUUID());
                    ps.setObject(2, optOutId);
                    ps.setObject(3, person.id());
                    ps.setObject(4, w.registry.id());
                    ps.setString(5, OptOutRecord.OPTED_OUT);
                    ps.setString(6, signed.record());
                    ps.setTimestamp(7, Sql.timestamp(now));
                    ps.setLong(8, signed.logIndex());
                    ps.executeUpdate();
                }
                return null;
            });

            Report bundle = w.inclusionBundle(person);
            assertThat(bundle.ok()).isFalse();
            assertThat(bundle.failures()).singleElement().satisfies(c -> {
                assertThat(c.name()).isEqualTo("acting");
                assertThat(c.detail()).contains("with no representation");
            });
            Report log = w.wholeLog();
            assertThat(log.failures()).anySatisfy(c -> {
                assertThat(c.name()).isEqualTo("acting");
                assertThat(c.detail()).contains("acted for account " + person.id(), "with no representation");
            });
        }
    }
}
