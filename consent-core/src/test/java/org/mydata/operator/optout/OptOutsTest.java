package org.mydata.operator.optout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Consent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.access.ConsentsEndedException;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.verify.audit.AuditBundle;
import org.mydata.operator.formats.AuditBundleAsFhir;
import org.mydata.operator.audit.AuditBundles;
import org.mydata.operator.verify.audit.AuditJson;
import org.mydata.operator.verify.audit.BundleVerifier;
import org.mydata.operator.verify.audit.LogAudit;
import org.mydata.operator.verify.audit.Report;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.log.CheckpointSigner;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.log.LogWriter;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.NewProgramme;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.verify.release.LegalBasis;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.testing.TestOperator;

/**
 * Opt-out programmes on PostgreSQL: the cohort is the persons linked at the programme's sources minus those
 * with a live opt-out, at once; the records chain and are logged through the one appender; the database keeps
 * one live opt-out per person and programme; AccessLog's last check refuses an access to someone who opted out;
 * and both auditors accept what the operator wrote.
 */
class OptOutsTest {
    @TempDir
    static Path keys;

    static TestOperator op;
    static LogWriter writer;
    static OptOuts optOuts;
    static Cohorts cohorts;
    static AccessLog accessLog;
    static DataRequests requests;
    static Permits permits;
    static AuditBundles bundles;
    static FhirSource hospital;
    static FhirSource clinic;
    static Programme registry;
    static Programme heart;
    static Permit permit;

    @BeforeAll
    static void operator() {
        op = new TestOperator(keys);
        writer = new LogWriter(op.dataSource, new CheckpointSigner(op.keyRing, op.clock, "operator.example/mydata-log",
                null), new LogWriter.Settings(10_000, Duration.ofMillis(5)));
        bundles = new AuditBundles(op.tx, op.log, writer::runOnce, Duration.ofSeconds(5));
        optOuts = new OptOuts(op.tx, op.appender, op.clock);
        cohorts = new Cohorts(op.tx);
        accessLog = new AccessLog(op.tx, op.appender);
        requests = new DataRequests(op.tx, op.appender, op.clock);
        permits = new Permits(op.tx);
        hospital = op.source("Hospital A");
        clinic = op.source("Clinic B");
        heart = op.heartStudy();
        registry = op.programmes.create(new NewProgramme("Cardio registry", "Secondary use of cardiology records",
                "Health Data Access Body", List.of("dpv:ScientificResearch"),
                DataScope.ofTypes(List.of("Patient", "Observation")), "https://hdab.example/notice", "1",
                List.of("steward@hdab.example"), "ehds-secondary-use", List.of(hospital.id())));
        UUID request = requests.submit("researcher@uni.example", new NewDataRequest(registry.id(), "Cardio outcomes",
                "University Heart Research", "dpv:ScientificResearch", DataScope.ofTypes(List.of("Observation")),
                "Outcome study", TestOperator.START.plus(Duration.ofDays(365)))).id();
        UUID permitId = requests.decide("steward@hdab.example", request, DataRequests.Decision.APPROVE, null)
                .permitId();
        permit = op.tx.read(c -> Permits.find(c, permitId)).orElseThrow();
    }

    @AfterAll
    static void close() {
        writer.close();
    }

    private static List<UUID> cohort() {
        return cohorts.of(permit, "Observation", op.clock.instant()).stream().map(CohortMember::accountId).toList();
    }

    /**
     * Whether the person is in the cohort when asked of them alone, as a gateway request about them (or a page of
     * results naming them) asks it: always the same answer as the whole cohort gives.
     */
    private static boolean inCohortAlone(Account person) {
        List<CohortMember> alone = cohorts.ofPersons(permit, "Observation", op.clock.instant(), Set.of(person.id()));
        assertThat(alone).allSatisfy(m -> assertThat(m.accountId()).isEqualTo(person.id()));
        assertThat(alone).isEqualTo(cohorts.of(permit, "Observation", op.clock.instant()).stream()
                .filter(m -> m.accountId().equals(person.id())).toList());
        return !alone.isEmpty();
    }

    /** The opt-out programme's permits that reach the person now, as their "who may read" page lists them. */
    private static List<Cohorts.Reach> reaching(Account person) {
        return cohorts.reaching(person.id(), op.clock.instant()).stream()
                .filter(r -> r.permit().id().equals(permit.id())).toList();
    }

    @Test
    void theProgrammeAndItsPermitStateTheBasis() throws Exception {
        assertThat(op.programmes.get(registry.id()).legalBasis()).isEqualTo(LegalBasis.EHDS_SECONDARY_USE);
        assertThat(op.programmes.get(registry.id()).sourceIds()).containsExactly(hospital.id());
        assertThat(permit.legalBasis()).isEqualTo(LegalBasis.EHDS_SECONDARY_USE);
        Map<String, Object> claims = op.verifier().verify(permit.record()).claims();
        assertThat(claims).containsEntry("legal_basis", "ehds-secondary-use")
                .containsEntry("source_ids", List.of(hospital.id().toString()));
        assertThat(op.programmes.get(heart.id()).legalBasis()).isEqualTo(LegalBasis.CONSENT);
        assertThatThrownBy(() -> op.programmes.create(new NewProgramme("No sources", "d", "o",
                List.of("dpv:ScientificResearch"), DataScope.ofTypes(List.of("Patient")), "https://t.example", "1",
                List.of("s"), "public-interest", List.of()))).hasMessageContaining("names the sources");
    }

    @Test
    void anOptOutRemovesThePersonAtOnceAndItsWithdrawalIncludesThemAgain() throws Exception {
        Account person = op.newAccount();
        op.link(person, hospital);
        Account elsewhere = op.newAccount();
        op.link(elsewhere, clinic);
        assertThat(cohort()).contains(person.id()).doesNotContain(elsewhere.id());
        assertThat(inCohortAlone(person)).isTrue();
        assertThat(inCohortAlone(elsewhere)).isFalse();
        assertThat(cohorts.ofPersons(permit, "Observation", op.clock.instant(), Set.of())).isEmpty();
        // "Who may read my data now" tells the person the same, through the link that includes them.
        assertThat(reaching(person)).singleElement().satisfies(reach -> {
            assertThat(reach.throughOptOutBasis()).isTrue();
            assertThat(reach.grants()).isEmpty();
        });
        assertThat(reaching(elsewhere)).isEmpty();

        op.clock.advance(Duration.ofMinutes(1));
        OptOut optOut = optOuts.optOut(person, registry.id(), RecordHash.sha256(optOuts.notice(registry.id())));
        assertThat(optOut.isLive()).isTrue();
        assertThat(cohort()).doesNotContain(person.id());
        assertThat(inCohortAlone(person)).isFalse();
        assertThat(reaching(person)).isEmpty();
        assertThatThrownBy(() -> optOuts.optOut(person, registry.id(), null)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("already opted out");

        op.clock.advance(Duration.ofMinutes(1));
        OptOut withdrawn = optOuts.withdraw(person, optOut.id());
        assertThat(withdrawn.isLive()).isFalse();
        assertThat(cohort()).contains(person.id());
        assertThat(inCohortAlone(person)).isTrue();
        assertThat(reaching(person)).hasSize(1);
        assertThatThrownBy(() -> optOuts.withdraw(person, optOut.id())).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> optOuts.withdraw(op.newAccount(), optOut.id())).isInstanceOf(NotFoundException.class);

        // Opting out again starts a new opt-out in the same chain.
        OptOut again = optOuts.optOut(person, registry.id(), null);
        List<OptOutRecord> chain = optOuts.chain(person.id(), registry.id());
        assertThat(chain).extracting(OptOutRecord::status).containsExactly("opted-out", "withdrawn", "opted-out");
        assertThat(chain.get(0).prevHash()).isNull();
        assertThat(chain.get(1).prevHash()).isEqualTo(RecordHash.sha256(chain.get(0).record()));
        assertThat(chain.get(2).prevHash()).isEqualTo(RecordHash.sha256(chain.get(1).record()));
        Map<String, Object> claims = op.verifier().verify(chain.get(2).record()).claims();
        assertThat(op.verifier().verify(chain.get(2).record()).type()).isEqualTo(RecordType.OPT_OUT);
        assertThat(claims).containsEntry("opt_out_id", again.id().toString()).containsEntry("status", "opted-out")
                .containsEntry("legal_basis", "ehds-secondary-use").containsEntry("log_index", chain.get(2).logIndex());
        assertThat(cohort()).doesNotContain(person.id());
        assertThat(optOuts.list(person)).extracting(OptOut::isLive).containsExactly(false, true);
    }

    @Test
    void theDatabaseKeepsOneLiveOptOutPerPersonAndProgramme() {
        Account person = op.newAccount();
        optOuts.optOut(person, registry.id(), null);
        assertThatThrownBy(() -> op.execute("insert into opt_out (id, account_id, programme_id, created_at) "
                + "values (?, ?, ?, now())", UUID.randomUUID(), person.id(), registry.id()))
                .isInstanceOf(SQLException.class).hasMessageContaining("opt_out_live");
    }

    @Test
    void consentAndOptOutEachBelongToTheirOwnBasis() {
        Account person = op.newAccount();
        op.link(person, hospital);
        assertThatThrownBy(() -> optOuts.optOut(person, heart.id(), null)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("withdraw your consent instead");
        assertThatThrownBy(() -> op.consents.grant(person, new NewConsent(registry.id(), null, null, null, null,
                null))).isInstanceOf(ConflictException.class).hasMessageContaining("opt out instead");
        assertThatThrownBy(() -> optOuts.optOut(person, registry.id(), "not-the-notice"))
                .isInstanceOf(ConflictException.class);
    }

    @Test
    void accessLogRefusesAnOptedOutPersonAndBothAuditorsAcceptWhatItWrote() throws Exception {
        Account person = op.newAccount();
        ServiceLink link = op.link(person, hospital);
        op.clock.advance(Duration.ofMinutes(1));
        access(person, link, op.clock.instant());
        OptOut optOut = optOuts.optOut(person, registry.id(), null);
        op.clock.advance(Duration.ofMinutes(1));
        assertThatThrownBy(() -> access(person, link, op.clock.instant()))
                .isInstanceOf(ConsentsEndedException.class)
                .satisfies(e -> assertThat(((ConsentsEndedException) e).consentIds()).containsExactly(link.id()));
        optOuts.withdraw(person, optOut.id());
        op.clock.advance(Duration.ofMinutes(1));
        access(person, link, op.clock.instant());

        writer.runOnce();
        Checkpoint checkpoint = op.log.latestCheckpoint().orElseThrow();
        List<LogEntry> entries = new ArrayList<>();
        for (long start = 0; start < checkpoint.treeSize(); start += TransparencyLog.MAX_PAGE) {
            entries.addAll(op.log.entries(start, Math.min(checkpoint.treeSize(), start + TransparencyLog.MAX_PAGE)));
        }
        JWKSet jwks = Jwks.toJwkSet(op.keyRing.publicKeys());
        LogAudit audit = new LogAudit(jwks);
        audit.add(entries);
        Report whole = audit.finish(checkpoint);
        assertThat(whole.failures()).as(whole.failures().toString()).isEmpty();

        AuditBundle bundle = bundles.ofInclusion(person.id(), registry.id());
        assertThat(bundle.accessEvents()).hasSize(2);
        // Through its JSON form, as an auditor receives it.
        AuditBundle received = AuditJson.bundle(AuditJson.parseObject(AuditJson.write(AuditJson.toJson(bundle)),
                "bundle"));
        Report own = BundleVerifier.verify(jwks, received, null);
        assertThat(own.failures()).as(own.failures().toString()).isEmpty();
        assertThat(own.checks()).anySatisfy(c -> assertThat(c.name()).isEqualTo("opt-outs"));

        Consent fhir = (Consent) AuditBundleAsFhir.toFhir(bundle, optOuts.get(person, optOut.id()),
                op.programmes.get(registry.id())).getEntryFirstRep().getResource();
        assertThat(fhir.getProvision().getType()).isEqualTo(Consent.ConsentProvisionType.DENY);
        assertThat(fhir.getStatus()).isEqualTo(Consent.ConsentState.INACTIVE);
    }

    private static void access(Account person, ServiceLink link, Instant at) {
        accessLog.record(new AccessEvent(UUID.randomUUID(), permit.id(), "researcher@uni.example", "search-type",
                List.of("Observation"), 2, List.of(PersonAccess.underOptOut(person.id(), link.id(), 2)), at));
    }
}
