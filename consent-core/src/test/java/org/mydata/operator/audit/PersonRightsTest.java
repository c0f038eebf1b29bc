package org.mydata.operator.audit;

import org.mydata.operator.verify.audit.LogAudit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.ErasureRequest;
import org.mydata.operator.consent.ErasureRequested;
import org.mydata.operator.consent.ErasureRequests;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.VerifiedRecord;

/**
 * A person's side of the release policy, on PostgreSQL: "who may read my data now" is exactly the permits whose
 * cohort includes them, and an erasure request after a withdrawal is a signed record the full-log audit accepts.
 */
class PersonRightsTest {
    @TempDir
    static Path keys;

    static AuditFixture f;
    static Cohorts cohorts;
    static Permit permit;

    @BeforeAll
    static void operator() {
        f = new AuditFixture(keys);
        cohorts = new Cohorts(f.op.tx);
        permit = new Permits(f.op.tx).ofResearcher("researcher@uni.example", f.permitId);
    }

    @AfterAll
    static void close() {
        f.close();
    }

    /** The types for which the cohort query lists the person: what "who may read" must agree with. */
    private static List<String> cohortTypes(Account person, Instant now) {
        return permit.scope().resourceTypes().stream().filter(type -> cohorts.of(permit, type, now).stream()
                .anyMatch(m -> m.accountId().equals(person.id()))).toList();
    }

    private static List<Cohorts.Reach> reaching(Account person) {
        return cohorts.reaching(person.id(), Instant.now(f.op.clock));
    }

    @Test
    void whoMayReadIsThePermitsWhoseCohortIncludesThePerson() {
        Account person = f.op.newAccount();
        assertThat(reaching(person)).isEmpty();
        Consent consent = f.consent(person);
        Instant now = Instant.now(f.op.clock);
        assertThat(cohortTypes(person, now)).containsExactly("Observation");
        assertThat(reaching(person)).singleElement().satisfies(reach -> {
            assertThat(reach.permit().id()).isEqualTo(f.permitId);
            assertThat(reach.resourceTypes()).isEqualTo(cohortTypes(person, now));
            assertThat(reach.projectTitle()).isEqualTo("Heart outcomes");
            assertThat(reach.decidedBy()).isEqualTo(AuditFixture.STEWARD);
            assertThat(reach.grants()).singleElement().satisfies(g -> assertThat(g.consentId()).isEqualTo(consent.id()));
        });

        f.change(consent, ConsentStatus.PAUSED);
        assertThat(cohortTypes(person, Instant.now(f.op.clock))).isEmpty();
        assertThat(reaching(person)).isEmpty();
        f.change(consent, ConsentStatus.ACTIVE);
        assertThat(reaching(person)).hasSize(1);
        f.change(consent, ConsentStatus.WITHDRAWN);
        assertThat(cohortTypes(person, Instant.now(f.op.clock))).isEmpty();
        assertThat(reaching(person)).isEmpty();
    }

    @Test
    void anErasureRequestFollowsAWithdrawalIsSignedOnceAndTheAuditAcceptsIt() throws Exception {
        List<ErasureRequest> noticed = new ArrayList<>();
        ErasureRequested notice = (c, request) -> noticed.add(request);
        ErasureRequests requests = new ErasureRequests(f.op.tx, f.op.appender, f.op.clock, notice);
        Account person = f.op.newAccount();
        Consent consent = f.consent(person);
        f.access(consent, 3);

        assertThatThrownBy(() -> requests.request(person, consent.id())).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> requests.request(f.op.newAccount(), consent.id()))
                .isInstanceOf(NotFoundException.class);
        f.change(consent, ConsentStatus.WITHDRAWN);

        ErasureRequest request = requests.request(person, consent.id());
        assertThat(request.permitIds()).containsExactly(f.permitId);
        assertThat(noticed).containsExactly(request);
        VerifiedRecord record = f.op.verifier().verify(request.record());
        assertThat(record.type()).isEqualTo(RecordType.ERASURE_REQUEST);
        assertThat(record.claims()).containsEntry("er_id", request.id().toString())
                .containsEntry("cr_id", consent.id().toString())
                .containsEntry("account_id", person.id().toString())
                .containsEntry("permit_ids", List.of(f.permitId.toString()));

        // Asking again answers with the first request; nothing more is signed or noticed.
        assertThat(requests.request(person, consent.id())).isEqualTo(request);
        assertThat(noticed).hasSize(1);
        assertThat(requests.list(person)).containsExactly(request);
        assertThat(requests.of(f.op.newAccount(), consent.id())).isEmpty();
        assertThat(f.op.count("select count(*) from erasure_request where consent_id = ?", consent.id()))
                .isEqualTo(1L);

        f.writer.runOnce();
        Checkpoint checkpoint = f.op.log.latestCheckpoint().orElseThrow();
        List<LogEntry> entries = new ArrayList<>();
        for (long start = 0; start < checkpoint.treeSize(); start += TransparencyLog.MAX_PAGE) {
            entries.addAll(f.op.log.entries(start, Math.min(checkpoint.treeSize(), start + TransparencyLog.MAX_PAGE)));
        }
        assertThat(entries.get((int) request.logIndex()).entry())
                .isEqualTo(request.record().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        LogAudit audit = new LogAudit(f.jwks());
        audit.add(entries);
        assertThat(audit.finish(checkpoint).failures()).isEmpty();
    }

    @Test
    void aNoticeThatFailsRollsTheRequestBack() {
        ErasureRequests failing = new ErasureRequests(f.op.tx, f.op.appender, f.op.clock, (c, request) -> {
            throw new java.sql.SQLException("outbox refused");
        });
        Account person = f.op.newAccount();
        Consent consent = f.change(f.consent(person), ConsentStatus.WITHDRAWN);
        assertThatThrownBy(() -> failing.request(person, consent.id())).isInstanceOf(RuntimeException.class);
        assertThat(f.op.count("select count(*) from erasure_request where consent_id = ?", consent.id())).isZero();
        UUID id = new ErasureRequests(f.op.tx, f.op.appender, f.op.clock, ErasureRequested.NONE)
                .request(person, consent.id()).id();
        assertThat(id).isNotNull();
    }
}
