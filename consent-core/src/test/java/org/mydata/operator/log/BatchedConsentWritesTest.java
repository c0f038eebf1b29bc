package org.mydata.operator.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.consent.StatusChange;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.store.StoreException;
import org.mydata.operator.testing.TestOperator;

/**
 * Consent writes that share one batch ({@code ConsentBatch}): read ahead together, signed in parallel, stored in a
 * few statements, and still each checked at its place, chained to the record before it, and failed alone.
 */
class BatchedConsentWritesTest {
    @TempDir
    Path keys;

    private TestOperator op;
    private Programme programme;
    private FhirSource hospital;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeEach
    void setUp() {
        op = new TestOperator(keys);
        programme = op.heartStudy();
        hospital = op.source("Hospital A");
    }

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void oneBatchOfMixedWritesKeepsOrderChainsAndRefusals() throws Exception {
        Consent a = consent(op.newAccount());
        Consent b = consent(op.newAccount());
        Consent c = consent(op.newAccount());
        Account newcomer = op.newAccount();
        op.link(newcomer, hospital);
        CountDownLatch release = new CountDownLatch(1);
        Future<Long> blocker = holdTheAppender(release);
        long first = op.log.sequencedSize() + 1;

        Future<StatusChange> pauseA = queue(() -> change(a, ConsentStatus.PAUSED));
        Future<Consent> grant = queue(() -> op.consents.grant(newcomer,
                new NewConsent(programme.id(), null, null, null, null, null)));
        Future<StatusChange> withdrawB = queue(() -> change(b, ConsentStatus.WITHDRAWN));
        // the same consent again in the same batch: checked against the pause before it, chained to its record
        Future<StatusChange> resumeA = queue(() -> change(a, ConsentStatus.ACTIVE));
        // refused against the withdrawal earlier in this batch, which is not stored yet when it is checked
        Future<StatusChange> pauseB = queue(() -> change(b, ConsentStatus.PAUSED));
        // a write of another kind: the batch stores what it deferred first, and reads again after it
        Future<Long> plain = queue(() -> op.appender.append("plain".getBytes(StandardCharsets.UTF_8)));
        Future<StatusChange> pauseA2 = queue(() -> change(a, ConsentStatus.PAUSED));
        Future<StatusChange> pauseC = queue(() -> change(c, ConsentStatus.PAUSED));
        release.countDown();
        blocker.get(30, TimeUnit.SECONDS);

        assertThat(pauseA.get(30, TimeUnit.SECONDS).record().logIndex()).isEqualTo(first);
        Consent granted = grant.get(30, TimeUnit.SECONDS);
        assertThat(granted.logIndex()).isEqualTo(first + 1);
        assertThat(granted.latestStatus().logIndex()).isEqualTo(first + 2);
        assertThat(withdrawB.get(30, TimeUnit.SECONDS).record().logIndex()).isEqualTo(first + 3);
        assertThat(resumeA.get(30, TimeUnit.SECONDS).record().logIndex()).isEqualTo(first + 4);
        assertThatThrownBy(() -> pauseB.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(ConflictException.class)
                .hasMessageContaining("withdrawal is final");
        assertThat(plain.get(30, TimeUnit.SECONDS)).isEqualTo(first + 5);
        assertThat(pauseA2.get(30, TimeUnit.SECONDS).record().logIndex()).isEqualTo(first + 6);
        assertThat(pauseC.get(30, TimeUnit.SECONDS).record().logIndex()).isEqualTo(first + 7);

        assertThat(op.log.sequencedSize()).isEqualTo(first + 8);
        assertThat(op.count("select count(distinct xmin::text) from log_entry where idx >= ?", first))
                .as("one transaction").isEqualTo(1);
        assertThat(op.count("select count(*) from consent where id = ? and withdrawn_at is not null", b.id()))
                .isEqualTo(1);
        assertThat(op.count("select count(*) from consent_link where consent_id = ?", granted.id())).isEqualTo(1);
        for (Consent consent : List.of(a, b, c, granted)) {
            assertChain(consent);
        }
        List<StatusRecord> chainOfA = op.consents.get(op.accountOf(a), a.id()).statusRecords();
        assertThat(chainOfA.stream().map(StatusRecord::status).toList()).containsExactly(ConsentStatus.ACTIVE,
                ConsentStatus.PAUSED, ConsentStatus.ACTIVE, ConsentStatus.PAUSED);
        assertThat(pauseA2.get().record().prevHash()).isEqualTo(RecordHash.sha256(resumeA.get().record().record()));
        assertThat(resumeA.get().record().prevHash()).isEqualTo(RecordHash.sha256(pauseA.get().record().record()));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aRowTheDatabaseRefusesAtTheBatchedInsertFailsItsWriteAlone() throws Exception {
        Consent a = consent(op.newAccount());
        Consent b = consent(op.newAccount());
        Consent c = consent(op.newAccount());
        try (Connection conn = op.dataSource.getConnection(); Statement s = conn.createStatement()) {
            s.execute("create function refuse_boom() returns trigger language plpgsql as $$ begin "
                    + "if new.reason = 'boom' then raise exception 'refused by the test'; end if; return new; end $$");
            s.execute("create trigger refuse_boom before insert on consent_status for each row "
                    + "execute function refuse_boom()");
        }
        CountDownLatch release = new CountDownLatch(1);
        Future<Long> blocker = holdTheAppender(release);
        long first = op.log.sequencedSize() + 1;
        Future<StatusChange> pauseA = queue(() -> change(a, ConsentStatus.PAUSED));
        Future<StatusChange> boom = queue(() -> op.consents.changeStatus(op.accountOf(b), b.id(),
                ConsentStatus.PAUSED, StatusRecord.ChangedBy.OPERATOR, "boom"));
        Future<StatusChange> pauseC = queue(() -> change(c, ConsentStatus.PAUSED));
        release.countDown();
        blocker.get(30, TimeUnit.SECONDS);

        assertThat(pauseA.get(30, TimeUnit.SECONDS).record().logIndex()).isEqualTo(first);
        assertThatThrownBy(() -> boom.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(StoreException.class);
        assertThat(pauseC.get(30, TimeUnit.SECONDS).record().logIndex()).isEqualTo(first + 1);
        assertThat(op.log.sequencedSize()).isEqualTo(first + 2);
        assertThat(op.consents.get(op.accountOf(b), b.id()).status()).isEqualTo(ConsentStatus.ACTIVE);
        for (Consent consent : List.of(a, b, c)) {
            assertChain(consent);
        }
    }

    // ---------------------------------------------------------------- helpers

    private StatusChange change(Consent consent, ConsentStatus next) {
        return op.consents.changeStatus(op.accountOf(consent), consent.id(), next, StatusRecord.ChangedBy.PERSON,
                null);
    }

    private Consent consent(Account person) {
        op.link(person, hospital);
        return op.consents.grant(person, new NewConsent(programme.id(), null, null, null, null, null));
    }

    /** Every status record: signed, carrying its index, stored at that index, linked to the one before. */
    private void assertChain(Consent consent) throws Exception {
        RecordVerifier verifier = op.verifier();
        List<StatusRecord> chain = op.consents.get(op.accountOf(consent), consent.id()).statusRecords();
        for (int i = 0; i < chain.size(); i++) {
            StatusRecord csr = chain.get(i);
            assertThat(csr.sequence()).isEqualTo(i + 1);
            VerifiedRecord verified = verifier.verify(csr.record());
            assertThat(((Number) verified.claims().get("log_index")).longValue()).isEqualTo(csr.logIndex());
            byte[] entry = op.log.entries(csr.logIndex(), csr.logIndex() + 1).get(0).entry();
            assertThat(new String(entry, StandardCharsets.US_ASCII)).isEqualTo(csr.record());
            if (i == 0) {
                assertThat(verified.claims()).doesNotContainKey("prev_csr_hash");
            } else {
                assertThat(verified.claims().get("prev_csr_hash"))
                        .isEqualTo(RecordHash.sha256(chain.get(i - 1).record()));
            }
        }
    }

    /** A batch of one whose check waits for the latch: what is submitted meanwhile queues for the next batch. */
    private Future<Long> holdTheAppender(CountDownLatch release) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        Future<Long> blocker = pool.submit(() -> op.appender.submit(conn -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return x -> x.append("blocker".getBytes(StandardCharsets.UTF_8));
        }));
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        return blocker;
    }

    /** Submits from a thread of its own and returns once the write waits in the queue, so the order is known. */
    private <T> Future<T> queue(Callable<T> write) throws InterruptedException {
        int before = op.appender.queued();
        Future<T> future = pool.submit(write);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (op.appender.queued() == before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(op.appender.queued()).as("queued behind the running batch").isEqualTo(before + 1);
        return future;
    }
}
