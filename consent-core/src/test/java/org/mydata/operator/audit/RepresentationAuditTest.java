package org.mydata.operator.audit;

import org.mydata.operator.verify.audit.BundleVerifier;
import org.mydata.operator.verify.audit.Report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.access.ConsentsEndedException;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.failure.ForbiddenException;
import org.mydata.operator.json.Json;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.verify.release.Refusal;
import org.mydata.operator.verify.release.Standing;
import org.mydata.operator.verify.release.ConsentInForce;
import org.mydata.operator.verify.release.Validity;
import org.mydata.operator.representation.ComingOfAge;
import org.mydata.operator.representation.DemoRepresentations;
import org.mydata.operator.representation.Representation;
import org.mydata.operator.representation.RepresentationKind;
import org.mydata.operator.representation.RepresentationSource;
import org.mydata.operator.representation.RepresentationUnavailableException;
import org.mydata.operator.representation.Representations;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.store.Sql;
import org.mydata.operator.testing.TestOperator;

/**
 * Acting for another person and coming of age, on the real consent core and PostgreSQL: a guardian consents for a
 * child and the records name both; the auditors pass that and refuse a record whose actor had no representation;
 * the guardian's right ends at the child's coming of age, to the instant; the consent stops releasing when the
 * grace period ends, to the instant, unless the person confirmed it with a record of their own.
 */
class RepresentationAuditTest {
    private static final ZoneId HELSINKI = ZoneId.of("Europe/Helsinki");
    /** The child turns 18 on 2025-03-05: at 2025-03-04T22:00:00Z, midnight in Helsinki. */
    private static final LocalDate BORN = LocalDate.parse("2007-03-05");
    private static final Instant MAJORITY = Instant.parse("2025-03-04T22:00:00Z");
    private static final Duration GRACE = Duration.ofDays(30);
    private static final ComingOfAge RULE = new ComingOfAge(18, GRACE, HELSINKI);

    @TempDir
    static Path keys;

    static AuditFixture f;
    static Representations representations;
    static Account guardian;
    static Account child;
    static PersonIdentifier guardianId;
    static PersonIdentifier childId;
    static volatile boolean registryDown;

    @BeforeAll
    static void operator() {
        f = new AuditFixture(keys);
        guardian = f.op.newAccount();
        child = f.op.newAccount();
        guardianId = TestOperator.personOf(guardian);
        childId = TestOperator.personOf(child);
        DemoRepresentations demo = new DemoRepresentations(List.of(new Representation(RepresentationKind.GUARDIAN,
                "demo-guardianship-1", guardianId, childId, "Child", BORN, null, null)));
        RepresentationSource source = (actor, at) -> {
            if (registryDown) {
                throw new RepresentationUnavailableException("down", null);
            }
            return demo.forActor(actor, at);
        };
        representations = new Representations(f.op.tx, f.op.accounts, source, RULE, f.op.clock);
    }

    @AfterAll
    static void close() {
        f.close();
    }

    /** The guardian links the child's record and consents for the child, as the pages do. */
    private static Consent guardianConsents(Account subject) {
        f.op.link(subject, f.hospital);
        Representations.Checked checked = representations.check(guardian, guardianId, childId);
        return f.op.consents.grantOrFind(subject, new NewConsent(f.programme.id(), null, null, null, null, null),
                checked.acting(), checked.minor()).consent();
    }

    @Test
    void aGuardiansConsentNamesChildAndGuardianAndTheAuditorsPassItUntilTheGraceEnds() throws Exception {
        Account subject = representations.accountOf(childId, child.subject());
        assertThat(subject.id()).isEqualTo(child.id());
        Consent consent = guardianConsents(subject);

        Map<String, Object> cr = f.op.verifier().verify(consent.record()).claims();
        assertThat(cr.get("account_id")).isEqualTo(child.id().toString());
        Map<?, ?> actor = (Map<?, ?>) cr.get("actor");
        assertThat(actor.get("account_id")).isEqualTo(guardian.id().toString());
        Map<?, ?> representation = (Map<?, ?>) actor.get("representation");
        assertThat(representation.get("kind")).isEqualTo("guardian");
        assertThat(representation.get("reference")).isEqualTo("demo-guardianship-1");
        assertThat(f.op.verifier().verify(consent.latestStatus().record()).claims()).containsKey("actor");
        assertThat(representations.actorsOf(consent.id())).hasSize(2);

        Report bundle = BundleVerifier.verify(f.jwks(), f.bundle(consent), null);
        assertThat(bundle.ok()).as(bundle.failures().toString()).isTrue();
        assertThat(bundle.checks()).filteredOn(c -> c.name().equals("acting")).hasSize(2)
                .allSatisfy(c -> assertThat(c.detail()).contains("as guardian (demo-guardianship-1)"));
        Report log = f.auditWholeLog();
        assertThat(log.ok()).as(log.failures().toString()).isTrue();
        assertThat(log.checks()).anySatisfy(c -> assertThat(c.name()).isEqualTo("acting"));

        // The guardian acts up to the instant the child comes of age, and not at it.
        f.op.clock.set(MAJORITY.minusNanos(1000));
        assertThat(representations.check(guardian, guardianId, childId).minor().majorityAt()).isEqualTo(MAJORITY);
        assertThat(representations.awaitingOwnDecision(subject)).isEmpty();
        f.op.clock.set(MAJORITY);
        assertThatThrownBy(() -> representations.check(guardian, guardianId, childId))
                .isInstanceOfSatisfying(ForbiddenException.class,
                        e -> assertThat(e.rule()).isEqualTo(Representations.REFUSED));
        assertThat(representations.forActor(guardianId)).isEmpty();
        // Come of age: the consent awaits the person's own decision, and still releases during the grace period.
        assertThat(representations.awaitingOwnDecision(subject)).singleElement()
                .satisfies(a -> assertThat(a.due()).isEqualTo(MAJORITY.plus(GRACE)));
        // (The fixture's access happens a minute after the clock's instant.)
        f.op.clock.set(MAJORITY.plus(GRACE).minusSeconds(61));
        f.access(consent, 1);
        // At the end of the grace period, to the instant, it releases nothing, and the release policy says why.
        f.op.clock.set(MAJORITY.plus(GRACE).minusSeconds(60));
        assertThatThrownBy(() -> f.access(consent, 1)).isInstanceOf(ConsentsEndedException.class);

        // The person confirms with a record of their own; the consent releases again.
        f.op.consents.confirmOwnDecision(subject, consent.id());
        assertThat(representations.awaitingOwnDecision(subject)).isEmpty();
        f.access(consent, 1);
        Consent confirmed = f.op.consents.get(subject, consent.id());
        Map<String, Object> own = f.op.verifier().verify(confirmed.latestStatus().record()).claims();
        assertThat(own).containsEntry("own_decision", "confirmed").doesNotContainKey("actor")
                .containsEntry("status", "active");
        Report after = BundleVerifier.verify(f.jwks(), f.bundle(confirmed), null);
        assertThat(after.ok()).as(after.failures().toString()).isTrue();
        assertThat(after.checks()).anySatisfy(c -> assertThat(c.detail()).contains("confirming their own decision"));
        assertThatThrownBy(() -> f.op.consents.confirmOwnDecision(subject, consent.id()))
                .hasMessageContaining("awaits no decision");
    }

    @Test
    void theComingOfAgeRuleAtItsBoundaryInstant() {
        assertThat(RULE.majorityAt(BORN)).isEqualTo(MAJORITY);
        Instant due = RULE.ownDecisionDue(MAJORITY);
        Standing awaiting = new Standing(ConsentStatus.ACTIVE, new Validity(Instant.EPOCH, null), true, due);
        assertThat(ConsentInForce.whyNotInForce(awaiting, due.minusNanos(1))).isEmpty();
        assertThat(ConsentInForce.whyNotInForce(awaiting, due)).containsExactly(Refusal.AWAITING_OWN_DECISION);
        assertThat(ConsentInForce.whyNotInForce(new Standing(ConsentStatus.ACTIVE, new Validity(Instant.EPOCH, null),
                true), due.plus(Duration.ofDays(3650)))).isEmpty();
        // 29 February: of age on 28 February of a year without a 29th.
        assertThat(RULE.majorityAt(LocalDate.parse("2008-02-29")))
                .isEqualTo(LocalDate.parse("2026-02-28").atStartOfDay(HELSINKI).toInstant());
    }

    @Test
    void anUnreachableRegistryRefusesEveryoneAndChangesNothing() {
        registryDown = true;
        try {
            f.op.clock.set(TestOperator.START);
            assertThatThrownBy(() -> representations.check(guardian, guardianId, childId))
                    .isInstanceOfSatisfying(ForbiddenException.class,
                            e -> assertThat(e.rule()).isEqualTo(Representations.UNCONFIRMED));
            assertThatThrownBy(() -> representations.forActor(guardianId)).isInstanceOf(ForbiddenException.class);
        } finally {
            registryDown = false;
        }
    }

    @Test
    void theAuditorsRefuseARecordWhoseActorHadNoRepresentation(@TempDir Path ownKeys) {
        // A log of its own: the forged record must not spoil the other tests' audits of theirs.
        try (AuditFixture f = new AuditFixture(ownKeys)) {
            forgedActorIsRefused(f);
        }
    }

    private static void forgedActorIsRefused(AuditFixture f) {
        Account person = f.op.newAccount();
        Consent consent = f.consent(person);
        // What a misbehaving operator could sign: someone pauses the person's consent, named, on no representation.
        Map<String, Object> claims = new LinkedHashMap<>();
        UUID csrId = UUID.randomUUID();
        claims.put("csr_id", csrId.toString());
        claims.put("cr_id", consent.id().toString());
        claims.put("account_id", person.id().toString());
        claims.put("status", "paused");
        claims.put("changed_by", "person");
        claims.put("prev_csr_hash", RecordHash.sha256(consent.latestStatus().record()));
        claims.put("iat", Instant.now(f.op.clock).getEpochSecond());
        claims.put("actor", Map.of("account_id", guardian.id().toString()));
        f.op.appender.submit(c -> b -> {
            LogAppender.Appended csr = b.signAtIndex(RecordType.CONSENT_STATUS, claims);
            try (PreparedStatement ps = b.connection().prepareStatement("insert into consent_status (id, consent_id, "
                    + "seq, status, changed_by, reason, prev_hash, record, created_at, log_index, acted_by) "
                    + "values (?,?,?,?,?,?,?,?,?,?,?::jsonb)")) {
                ps.setObject(1, csrId);
                ps.setObject(2, consent.id());
                ps.setInt(3, 2);
                ps.setString(4, "paused");
                ps.setString(5, StatusRecord.ChangedBy.PERSON.wire());
                ps.setString(6, null);
                ps.setString(7, (String) claims.get("prev_csr_hash"));
                ps.setString(8, csr.record());
                ps.setTimestamp(9, Sql.timestamp(Instant.now(f.op.clock)));
                ps.setLong(10, csr.logIndex());
                ps.setString(11, Json.write((Map<String, ?>) claims.get("actor")));
                ps.executeUpdate();
            }
            return null;
        });
        Report bundle = BundleVerifier.verify(f.jwks(), f.bundle(consent), null);
        assertThat(bundle.ok()).isFalse();
        assertThat(bundle.failures()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("acting");
            assertThat(c.detail()).contains("with no representation");
        });
        Report log = f.auditWholeLog();
        assertThat(log.failures()).anySatisfy(c -> {
            assertThat(c.name()).isEqualTo("acting");
            assertThat(c.detail()).contains("acted for account " + person.id(), "with no representation");
        });
    }
}
