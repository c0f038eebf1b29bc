package org.mydata.operator.audit;

import org.mydata.operator.verify.audit.BundleVerifier;
import org.mydata.operator.verify.audit.Check;
import org.mydata.operator.verify.audit.Report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.testing.TestOperator;

/**
 * Both auditors judge an access event's purpose, resource types and data period against its permit's and its
 * consent's signed terms, as the release policy decides: events the operator's own last check would refuse,
 * written straight into the log by a misbehaving operator, are findings of the full-log audit and of the
 * consent's bundle; events within the terms (a statistical answer among them) pass both.
 */
class AuditScopeTest {
    @TempDir
    static Path keys;

    static AuditFixture f;
    static Consent full;
    static Consent conditionsOnly;
    static Consent altruismOnly;
    static Consent of2015;
    static UUID from2020;
    static List<UUID> rogue = new ArrayList<>();
    static Report audit;

    @BeforeAll
    static void aLogWithEventsOutsideTheTerms() {
        f = new AuditFixture(keys);
        f.op.clock.advance(Duration.ofMinutes(1));
        full = f.consent(f.op.newAccount());
        conditionsOnly = consent(null, new DataScope(List.of("Condition"), null, null));
        altruismOnly = consent(List.of("dpv:DataAltruism"), null);
        of2015 = consent(null, new DataScope(List.of("Patient", "Observation"), LocalDate.parse("2015-01-01"),
                LocalDate.parse("2015-12-31")));
        f.op.clock.advance(Duration.ofMinutes(1));
        UUID request = f.requests.submit("researcher@uni.example", new NewDataRequest(f.programme.id(),
                "Recent heart outcomes", "University Heart Research", "dpv:ScientificResearch",
                new DataScope(List.of("Patient", "Observation"), LocalDate.parse("2020-01-01"), null),
                "Outcome study", TestOperator.START.plus(Duration.ofDays(365)))).id();
        from2020 = f.requests.decide(AuditFixture.STEWARD, request, DataRequests.Decision.APPROVE, null).permitId();
        f.op.clock.advance(Duration.ofMinutes(1));
        Instant now = f.op.clock.instant();

        // Within the terms, as the operator logs them: they must pass.
        record(new AccessEvent(UUID.randomUUID(), f.permitId, "researcher@uni.example", "statistics",
                List.of("Observation"), 12, List.of(new PersonAccess(full.accountId(), full.id(), 12)), now));
        record(new AccessEvent(UUID.randomUUID(), from2020, "researcher@uni.example", "search-type",
                List.of("Patient"), 1, List.of(new PersonAccess(of2015.accountId(), of2015.id(), 1)), now));

        // Outside them, written past the last check.
        rogue.add(f.rogueAccess(f.permitId, full, List.of("Condition"), 1, now));
        rogue.add(f.rogueAccess(f.permitId, conditionsOnly, List.of("Observation"), 1, now));
        rogue.add(f.rogueAccess(f.permitId, altruismOnly, List.of("Observation"), 1, now));
        rogue.add(f.rogueAccess(from2020, of2015, List.of("Observation"), 1, now));
        rogue.add(f.rogueAccess(from2020, full, List.of("Observation"), 1, full.validFrom().plusSeconds(1)));

        audit = f.auditWholeLog();
    }

    @AfterAll
    static void close() {
        f.close();
    }

    private static Consent consent(List<String> purposes, DataScope scope) {
        Account person = f.op.newAccount();
        f.op.link(person, f.hospital);
        return f.op.consents.grant(person, new NewConsent(f.programme.id(), purposes, scope, null, null, null));
    }

    private static void record(AccessEvent event) {
        f.accessLog.record(event);
    }

    private static String accessFailure(Report report, UUID eventId) {
        return report.failures().stream().filter(c -> c.name().equals("access") && c.detail().contains(eventId.toString()))
                .map(Check::detail).findFirst().orElseThrow(() -> new AssertionError("no access failure names event "
                        + eventId + " in " + report.failures()));
    }

    @Test
    void theFullLogAuditNamesEveryEventOutsideTheTermsAndOnlyThose() {
        assertThat(audit.failures()).as(audit.failures().toString()).hasSize(rogue.size())
                .allSatisfy(c -> assertThat(c.name()).isEqualTo("access"));
        assertThat(accessFailure(audit, rogue.get(0))).contains("its permit does not cover Condition")
                .doesNotContain("consent " + full.id() + " does not cover");
        assertThat(accessFailure(audit, rogue.get(1))).contains("consent " + conditionsOnly.id()
                + " does not cover Observation");
        assertThat(accessFailure(audit, rogue.get(2))).contains("consent " + altruismOnly.id()
                + "'s purposes (dpv:DataAltruism) do not cover the permit's (dpv:ScientificResearch)");
        assertThat(accessFailure(audit, rogue.get(3))).contains("consent " + of2015.id()
                + "'s data period (2015-01-01..2015-12-31) and the permit's (2020-01-01..) have no day in common");
        assertThat(accessFailure(audit, rogue.get(4))).contains("its permit's validity had not begun at its time");
    }

    @Test
    void eachConsentsBundleNamesTheEventsOutsideItsTerms() {
        assertThat(accessFailure(verify(full), rogue.get(0))).contains("its permit does not cover Condition");
        assertThat(accessFailure(verify(full), rogue.get(4))).contains("its permit's validity had not begun");
        assertThat(verify(full).failures()).hasSize(2);
        assertThat(accessFailure(verify(conditionsOnly), rogue.get(1))).contains("the consent does not cover "
                + "Observation");
        assertThat(accessFailure(verify(altruismOnly), rogue.get(2))).contains("the consent's purposes "
                + "(dpv:DataAltruism) do not cover the permit's (dpv:ScientificResearch)");
        Report of2015Report = verify(of2015);
        assertThat(accessFailure(of2015Report, rogue.get(3))).contains("the consent's data period "
                + "(2015-01-01..2015-12-31) and the permit's (2020-01-01..) have no day in common");
        assertThat(of2015Report.failures()).hasSize(1);
        assertThat(of2015Report.checks()).filteredOn(c -> c.name().equals("access") && c.passed()).hasSize(1);
    }

    private static Report verify(Consent consent) {
        return BundleVerifier.verify(f.jwks(), f.bundle(consent), null);
    }
}
