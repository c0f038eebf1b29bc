package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.consent.RecordHash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.mydata.operator.testing.TestOperator;

/** Many writers on one consent: the row lock must serialise them into one unforked, hash-linked chain. */
class ConsentChainConcurrencyTest {
    private static final int THREADS = 8;
    private static final int CHANGES_PER_THREAD = 25;

    @TempDir
    Path keys;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentStatusChangesFormOneContiguousChain() throws Exception {
        TestOperator op = new TestOperator(keys);
        Programme programme = op.heartStudy();
        Account person = op.newAccount();
        op.link(person, op.source("Hospital A"));
        Consent consent = op.consents.grant(person, new NewConsent(programme.id(), null, null, null, null, null));

        AtomicInteger applied = new AtomicInteger();
        AtomicInteger alreadyThere = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < CHANGES_PER_THREAD; i++) {
                        ConsentStatus target = (thread + i) % 2 == 0 ? ConsentStatus.PAUSED : ConsentStatus.ACTIVE;
                        try {
                            StatusChange after = op.consents.changeStatus(person, consent.id(), target,
                                    StatusRecord.ChangedBy.PERSON, null);
                            assertThat(after.status()).isEqualTo(target);
                            applied.incrementAndGet();
                        } catch (ConflictException e) {
                            if (e.getMessage().contains("already")) {
                                alreadyThere.incrementAndGet();
                            } else {
                                // e.g. a unique violation on (consent_id, seq): the lock did not serialise
                                unexpected.add(e);
                            }
                        } catch (Throwable e) {
                            unexpected.add(e);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(unexpected).as("only 'already' conflicts are expected").isEmpty();
        assertThat(applied.get() + alreadyThere.get()).isEqualTo(THREADS * CHANGES_PER_THREAD);
        assertThat(applied.get()).as("some changes went through").isPositive();

        List<StatusRecord> chain = op.consents.get(person, consent.id()).statusRecords();
        assertThat(chain).hasSize(applied.get() + 1);
        assertThat(op.count("select count(*) from consent_status where consent_id = ?", consent.id()))
                .isEqualTo(chain.size());

        RecordVerifier verifier = op.verifier();
        Set<String> predecessors = new HashSet<>();
        for (int i = 0; i < chain.size(); i++) {
            StatusRecord csr = chain.get(i);
            assertThat(csr.sequence()).as("contiguous sequence").isEqualTo(i + 1);
            VerifiedRecord verified = verifier.verify(csr.record());
            assertThat(verified.claims()).containsEntry("status", csr.status().wire())
                    .containsEntry("csr_id", csr.id().toString())
                    .containsEntry("cr_id", consent.id().toString());
            if (i == 0) {
                assertThat(csr.prevHash()).isNull();
                assertThat(csr.status()).isEqualTo(ConsentStatus.ACTIVE);
                continue;
            }
            String expected = RecordHash.sha256(chain.get(i - 1).record());
            assertThat(csr.prevHash()).as("seq %d links to seq %d", i + 1, i).isEqualTo(expected);
            assertThat(verified.claims()).containsEntry("prev_csr_hash", expected);
            assertThat(predecessors.add(csr.prevHash())).as("no two records share a predecessor").isTrue();
            assertThat(csr.status()).as("statuses alternate at seq %d", i + 1).isNotEqualTo(chain.get(i - 1).status());
        }
    }
}
