package org.mydata.operator.audit;

import org.mydata.operator.verify.audit.Report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.ConsentsEndedException;
import org.mydata.operator.access.PermitEndedException;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.testing.TestOperator;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.verify.release.Refusal;

/**
 * {@code AccessLog}'s last check before an event is written asks the release policy, on PostgreSQL: it refuses
 * what its old copy of the rule let through (an event before the consent's validity began, in the second its
 * validity ends, after its only link was removed), and whatever it writes the full-log audit accepts.
 */
class AccessLogPolicyTest {
    @TempDir
    static Path keys;

    static AuditFixture f;

    @BeforeAll
    static void operator() {
        f = new AuditFixture(keys);
    }

    @AfterAll
    static void close() {
        f.close();
    }

    private static void access(Consent consent, Instant at) {
        f.accessLog.record(new AccessEvent(UUID.randomUUID(), f.permitId, "researcher@uni.example", "search-type",
                List.of("Observation"), 1, List.of(new PersonAccess(consent.accountId(), consent.id(), 1)), at));
    }

    private static void refused(Consent consent, Instant at) {
        int before = f.bundle(consent).accessEvents().size();
        assertThatThrownBy(() -> access(consent, at)).isInstanceOf(ConsentsEndedException.class)
                .satisfies(e -> assertThat(((ConsentsEndedException) e).consentIds()).containsExactly(consent.id()));
        assertThat(f.bundle(consent).accessEvents()).hasSize(before);
    }

    @Test
    void refusesWhatThePolicyRefusesAndTheAuditAcceptsWhatItWrites() {
        f.op.clock.advance(Duration.ofMinutes(1));
        Consent consent = f.consent(f.op.newAccount());
        refused(consent, consent.validFrom().minusSeconds(60));
        access(consent, consent.validFrom());

        Instant end = f.op.clock.instant().plus(Duration.ofHours(1)).plusMillis(500);
        Account person = f.op.newAccount();
        f.op.link(person, f.hospital);
        Consent ending = f.op.consents.grant(person, new NewConsent(f.programme.id(), null, null, null, end, null));
        access(ending, end.minusMillis(1500));
        // The record states valid_until in whole seconds; the policy ends the consent at that second.
        refused(ending, end.minusMillis(200));
        refused(ending, end);

        Account unlinked = f.op.newAccount();
        ServiceLink link = f.op.link(unlinked, f.hospital);
        Consent orphan = f.op.consents.grant(unlinked, new NewConsent(f.programme.id(), null, null, null, null, null));
        access(orphan, f.op.clock.instant());
        f.op.links.remove(unlinked, link.id());
        refused(orphan, f.op.clock.instant());

        Report report = f.auditWholeLog();
        assertThat(report.failures()).isEmpty();
        assertThat(report.checks()).filteredOn(c -> c.name().equals("access")).singleElement()
                .satisfies(c -> assertThat(c.detail()).contains("(3 events, 3 consent uses)"));
    }

    /**
     * The last check asks the whole policy, the permit included: an event of a revoked permit is refused and
     * nothing is written, as is one of a consent whose purposes or types do not cover the permit's; and the
     * full-log audit of what was written passes.
     */
    @Test
    void refusesAnEventOfARevokedPermitOrOfAConsentThatDoesNotCoverIt(@TempDir Path ownKeys) {
        // Its own database: the other test counts every event of its log.
        try (AuditFixture f = new AuditFixture(ownKeys)) {
            refusesAnEventOfARevokedPermit(f);
        }
    }

    private static void refusesAnEventOfARevokedPermit(AuditFixture f) {
        f.op.clock.advance(Duration.ofMinutes(1));
        UUID request = f.requests.submit("researcher@uni.example", new NewDataRequest(f.programme.id(),
                "Heart outcomes, again", "University Heart Research", "dpv:ScientificResearch",
                new DataScope(List.of("Observation"), null, null), "Outcome study",
                TestOperator.START.plus(Duration.ofDays(365)))).id();
        UUID permit = f.requests.decide(AuditFixture.STEWARD, request, DataRequests.Decision.APPROVE, null)
                .permitId();
        Consent consent = f.consent(f.op.newAccount());
        AccessEvent first = event(permit, consent, f.op.clock.instant());
        f.accessLog.record(first);
        f.requests.revoke(AuditFixture.STEWARD, permit, "ended early");
        f.op.clock.advance(Duration.ofSeconds(1));
        int before = f.bundle(consent).accessEvents().size();
        assertThatThrownBy(() -> f.accessLog.record(event(permit, consent, f.op.clock.instant())))
                .isInstanceOf(PermitEndedException.class)
                .satisfies(e -> assertThat(((PermitEndedException) e).refusal()).isEqualTo(Refusal.PERMIT_REVOKED));
        assertThat(f.bundle(consent).accessEvents()).hasSize(before);

        // A type the permit does not name, relied on by a consent in force: the permit refuses it.
        assertThatThrownBy(() -> f.accessLog.record(new AccessEvent(UUID.randomUUID(), f.permitId,
                "researcher@uni.example", "search-type", List.of("Condition"), 1,
                List.of(new PersonAccess(consent.accountId(), consent.id(), 1)), f.op.clock.instant())))
                .isInstanceOf(PermitEndedException.class)
                .satisfies(e -> assertThat(((PermitEndedException) e).refusal())
                        .isEqualTo(Refusal.TYPE_OUTSIDE_PERMIT));

        // A consent to the programme that names no Observation: the policy never relies on it for this permit.
        Account narrow = f.op.newAccount();
        f.op.link(narrow, f.hospital);
        Consent conditionsOnly = f.op.consents.grant(narrow, new NewConsent(f.programme.id(), null,
                new DataScope(List.of("Condition"), null, null), null, null, null));
        int before2 = f.bundle(conditionsOnly).accessEvents().size();
        assertThatThrownBy(() -> f.accessLog.record(event(f.permitId, conditionsOnly, f.op.clock.instant())))
                .isInstanceOf(ConsentsEndedException.class)
                .satisfies(e -> assertThat(((ConsentsEndedException) e).consentIds())
                        .containsExactly(conditionsOnly.id()));
        assertThat(f.bundle(conditionsOnly).accessEvents()).hasSize(before2);

        assertThat(f.auditWholeLog().failures()).isEmpty();
    }

    private static AccessEvent event(UUID permit, Consent consent, Instant at) {
        return new AccessEvent(UUID.randomUUID(), permit, "researcher@uni.example", "search-type",
                List.of("Observation"), 1, List.of(new PersonAccess(consent.accountId(), consent.id(), 1)), at);
    }

    /**
     * What a download of an export file (and a search page) does when a consent ended after its cohort was read:
     * the event is written without that person, whose data is not released, instead of failing whole.
     */
    @Test
    void anEventLeavesOutThePersonsWhoseConsentEndedAndRecordsTheRest(@TempDir Path ownKeys) {
        try (AuditFixture f = new AuditFixture(ownKeys)) {
            Consent staying = f.consent(f.op.newAccount());
            Consent leaving = f.consent(f.op.newAccount());
            AccessEvent read = new AccessEvent(UUID.randomUUID(), f.permitId, "researcher@uni.example",
                    "export-download", List.of("Observation"), 5, List.of(
                    new PersonAccess(staying.accountId(), staying.id(), 2),
                    new PersonAccess(leaving.accountId(), leaving.id(), 3)), f.op.clock.instant());
            f.change(leaving, org.mydata.operator.verify.consent.ConsentStatus.WITHDRAWN);

            assertThat(f.accessLog.recordOfThoseStillIn(read)).containsExactly(leaving.id());

            assertThat(f.bundle(leaving).accessEvents()).isEmpty();
            assertThat(f.bundle(staying).accessEvents()).singleElement().satisfies(event -> {
                String entry = new String(event.entry(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(entry).contains(staying.id().toString()).doesNotContain(leaving.id().toString())
                        .contains("\"resource_count\":2");
            });
        }
    }
}
