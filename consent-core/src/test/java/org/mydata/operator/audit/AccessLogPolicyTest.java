package org.mydata.operator.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.ConsentsEndedException;
import org.mydata.operator.access.PersonAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.log.Checkpoint;
import org.mydata.operator.log.LogEntry;
import org.mydata.operator.log.TransparencyLog;

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

        f.writer.runOnce();
        Checkpoint checkpoint = f.op.log.latestCheckpoint().orElseThrow();
        List<LogEntry> entries = new ArrayList<>();
        for (long start = 0; start < checkpoint.treeSize(); start += TransparencyLog.MAX_PAGE) {
            entries.addAll(f.op.log.entries(start, Math.min(checkpoint.treeSize(), start + TransparencyLog.MAX_PAGE)));
        }
        LogAudit audit = new LogAudit(f.jwks());
        audit.add(entries);
        Report report = audit.finish(checkpoint);
        assertThat(report.failures()).isEmpty();
        assertThat(report.checks()).filteredOn(c -> c.name().equals("access")).singleElement()
                .satisfies(c -> assertThat(c.detail()).contains("(3 events, 3 consent uses)"));
    }
}
