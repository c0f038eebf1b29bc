package org.mydata.operator.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.ConsentsEndedException;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.Reconsents;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.NewAmendment;
import org.mydata.operator.programme.ProgrammeAmendments;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.testing.TestOperator;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.audit.Check;
import org.mydata.operator.verify.audit.Report;

/**
 * permitver: a permit issued after an amendment widened the programme's stewards reaches no consent on the older
 * version, on a real database, and the full-log audit holds the operator to it: the access log refuses such an
 * event, and one written around the check is reported.
 */
class WidenedPermitAuditTest {
    @TempDir
    Path keys;

    @Test
    void theFullLogAuditReportsAnEventThatReliedOnAConsentAWideningLeftBehind() {
        try (AuditFixture f = new AuditFixture(keys)) {
            ProgrammeAmendments amendments = new ProgrammeAmendments(f.op.tx, f.op.appender, f.op.clock);
            Reconsents reconsents = new Reconsents(f.op.tx, f.op.appender, f.op.clock);
            Account alice = f.op.newAccount();
            Account bob = f.op.newAccount();
            Consent aliceV1 = f.consent(alice);
            Consent bobV1 = f.consent(bob);
            amendments.amend(f.programme.id(), "admin-1", new NewAmendment("the biobank joins as a steward", null,
                    null, null, null, List.of(AuditFixture.STEWARD, "steward@biobank.example"), null, null, null));
            UUID underV2 = permit(f);

            // The permit issued under version 1 still reads under both version 1 consents.
            f.access(aliceV1, 2);
            f.access(bobV1, 1);
            // The one issued under version 2 does not: the access log's last check refuses, nothing is written.
            f.op.clock.advance(Duration.ofMinutes(1));
            assertThatThrownBy(() -> f.accessLog.record(event(underV2, aliceV1, f.op.clock.instant())))
                    .isInstanceOf(ConsentsEndedException.class);
            // Alice accepts version 2, and is read under it.
            Consent aliceV2 = reconsents.accept(alice, aliceV1.id(), "en",
                    reconsents.offer(alice, aliceV1.id(), Language.EN).orElseThrow().newTextSha256());
            f.op.clock.advance(Duration.ofMinutes(1));
            f.accessLog.record(event(underV2, aliceV2, f.op.clock.instant()));

            Report clean = f.auditWholeLog();
            assertThat(clean.failures()).as(clean.failures().toString()).isEmpty();
            assertThat(clean.checks()).extracting(Check::name).contains("amendments", "access");

            // An operator that wrote around the check: Bob, on version 1, read under the version 2 permit.
            f.op.clock.advance(Duration.ofMinutes(1));
            f.rogueAccess(underV2, bobV1, List.of("Observation"), 1, f.op.clock.instant());
            Report caught = f.auditWholeLog();
            assertThat(caught.failures()).singleElement().satisfies(c -> {
                assertThat(c.name()).isEqualTo("access");
                assertThat(c.detail()).contains("consent " + bobV1.id() + " is on version 1 of its programme, and "
                        + "its permit was issued under version 2, after version 2 widened what a release does not "
                        + "intersect");
            });
        }
    }

    private static UUID permit(AuditFixture f) {
        UUID request = f.requests.submit("researcher@uni.example", new NewDataRequest(f.programme.id(),
                "Heart outcomes, again", "University Heart Research", "dpv:ScientificResearch",
                new DataScope(List.of("Observation"), null, null), "Outcome study",
                TestOperator.START.plus(Duration.ofDays(365)))).id();
        return f.requests.decide(AuditFixture.STEWARD, request, DataRequests.Decision.APPROVE, null).permitId();
    }

    private static AccessEvent event(UUID permit, Consent consent, Instant at) {
        return new AccessEvent(UUID.randomUUID(), permit, "researcher@uni.example", "search-type",
                List.of("Observation"), 1, List.of(new PersonAccess(consent.accountId(), consent.id(), 1)), at);
    }
}
