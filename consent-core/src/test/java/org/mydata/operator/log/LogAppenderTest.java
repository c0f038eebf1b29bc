package org.mydata.operator.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
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
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.access.ConsentsEndedException;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.store.IdempotencyKeys;
import org.mydata.operator.store.IdempotencyScope;
import org.mydata.operator.store.StoreException;
import org.mydata.operator.testing.TestOperator;

/** Group commit: many requests' writes in one transaction, each checked and signed at its place. */
class LogAppenderTest {
    private static final String STEWARD = "steward@research.example";

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
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void manyConcurrentWritersGetGapFreeIndexesAndUnbrokenChains() throws Exception {
        int consents = 4;
        int writers = 16;
        int changesPerWriter = 15;
        List<Consent> given = new ArrayList<>();
        for (int i = 0; i < consents; i++) {
            given.add(consent(op.newAccount()));
        }
        long before = op.log.sequencedSize();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            results.add(pool.submit(() -> {
                go.await();
                int applied = 0;
                for (int i = 0; i < changesPerWriter; i++) {
                    Consent consent = given.get((writer + i) % consents);
                    if (i % 5 == 4) {
                        op.appender.append(("plain entry " + writer + "/" + i).getBytes(StandardCharsets.UTF_8));
                        applied++;
                        continue;
                    }
                    ConsentStatus target = (writer + i) % 2 == 0 ? ConsentStatus.PAUSED : ConsentStatus.ACTIVE;
                    try {
                        op.consents.changeStatus(op.accountOf(consent), consent.id(), target,
                                StatusRecord.ChangedBy.PERSON, null);
                        applied++;
                    } catch (ConflictException already) {
                        assertThat(already).hasMessageContaining("already");
                    }
                }
                return applied;
            }));
        }
        go.countDown();
        int applied = 0;
        for (Future<Integer> result : results) {
            applied += result.get(100, TimeUnit.SECONDS);
        }

        long after = op.log.sequencedSize();
        assertThat(after - before).isEqualTo(applied);
        assertThat(op.count("select count(*) from log_entry")).as("no gaps, no duplicates").isEqualTo(after);
        assertThat(op.count("select coalesce(max(idx), -1) + 1 from log_entry")).isEqualTo(after);
        assertThat(op.count("select count(distinct xmin::text) from log_entry where idx >= ?", before))
                .as("writes shared transactions").isLessThan(applied);

        RecordVerifier verifier = op.verifier();
        for (Consent consent : given) {
            List<StatusRecord> chain = op.consents.get(op.accountOf(consent), consent.id()).statusRecords();
            Set<String> predecessors = new HashSet<>();
            for (int i = 0; i < chain.size(); i++) {
                StatusRecord csr = chain.get(i);
                assertThat(csr.sequence()).isEqualTo(i + 1);
                VerifiedRecord verified = verifier.verify(csr.record());
                assertThat(((Number) verified.claims().get("log_index")).longValue()).isEqualTo(csr.logIndex());
                byte[] entry = op.log.entries(csr.logIndex(), csr.logIndex() + 1).get(0).entry();
                assertThat(new String(entry, StandardCharsets.US_ASCII)).as("the entry at its index is the record")
                        .isEqualTo(csr.record());
                if (i > 0) {
                    String expected = RecordHash.sha256(chain.get(i - 1).record());
                    assertThat(csr.prevHash()).as("seq %d links to seq %d", i + 1, i).isEqualTo(expected);
                    assertThat(verified.claims()).containsEntry("prev_csr_hash", expected);
                    assertThat(csr.logIndex()).isGreaterThan(chain.get(i - 1).logIndex());
                    assertThat(predecessors.add(expected)).isTrue();
                    assertThat(csr.status()).isNotEqualTo(chain.get(i - 1).status());
                }
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aWriteThatFailsInABatchFailsAloneAndTheOthersCommitTogether() throws Exception {
        Consent a = consent(op.newAccount());
        Consent b = consent(op.newAccount());
        Consent c = consent(op.newAccount());
        CountDownLatch release = new CountDownLatch(1);
        Future<Long> blocker = holdTheAppender(release);
        long first = op.log.sequencedSize() + 1;

        List<Future<?>> batch = new ArrayList<>();
        batch.add(queue(() -> op.consents.changeStatus(op.accountOf(a), a.id(), ConsentStatus.PAUSED,
                StatusRecord.ChangedBy.PERSON, null)));
        // refused by its check: it never wrote anything
        batch.add(queue(() -> op.appender.submit(conn -> {
            throw new ConflictException("refused by its check");
        })));
        batch.add(queue(() -> op.consents.changeStatus(op.accountOf(b), b.id(), ConsentStatus.WITHDRAWN,
                StatusRecord.ChangedBy.PERSON, null)));
        // fails in the database after it signed and appended: the transaction is lost and runs again without it
        batch.add(queue(() -> op.appender.submit(conn -> x -> {
            x.append("never committed".getBytes(StandardCharsets.UTF_8));
            try (PreparedStatement ps = x.connection().prepareStatement("select 1 / 0")) {
                ps.executeQuery().close();
            }
            return null;
        })));
        batch.add(queue(() -> op.consents.changeStatus(op.accountOf(c), c.id(), ConsentStatus.PAUSED,
                StatusRecord.ChangedBy.PERSON, null)));
        release.countDown();
        blocker.get(30, TimeUnit.SECONDS);

        batch.get(0).get(30, TimeUnit.SECONDS);
        assertThatThrownBy(() -> batch.get(1).get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(ConflictException.class);
        batch.get(2).get(30, TimeUnit.SECONDS);
        assertThatThrownBy(() -> batch.get(3).get(30, TimeUnit.SECONDS)).cause().isInstanceOf(StoreException.class)
                .extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.FAILED);
        batch.get(4).get(30, TimeUnit.SECONDS);

        assertThat(op.log.sequencedSize()).isEqualTo(first + 3);
        assertThat(op.count("select count(*) from log_entry")).isEqualTo(first + 3);
        assertThat(op.count("select count(distinct xmin::text) from log_entry where idx >= ?", first))
                .as("the three that passed committed in one transaction").isEqualTo(1);
        List<Long> indexes = List.of(latest(a).logIndex(), latest(b).logIndex(), latest(c).logIndex());
        assertThat(indexes).as("in queue order, gap-free").containsExactly(first, first + 1, first + 2);
        assertThat(latest(b).status()).isEqualTo(ConsentStatus.WITHDRAWN);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anAccessAfterAWithdrawalInTheSameBatchIsRefused() throws Exception {
        DataRequests requests = new DataRequests(op.tx, op.appender, op.clock);
        AccessLog accessLog = new AccessLog(op.tx, op.appender);
        UUID request = requests.submit("researcher@uni.example", new NewDataRequest(programme.id(), "Heart outcomes",
                "University Heart Research", "dpv:ScientificResearch", new DataScope(List.of("Observation"), null, null),
                "Outcome study", TestOperator.START.plus(Duration.ofDays(365)))).id();
        UUID permit = requests.decide(STEWARD, request, DataRequests.Decision.APPROVE, null).permitId();
        Consent withdrawn = consent(op.newAccount());
        Consent kept = consent(op.newAccount());
        op.clock.advance(Duration.ofMinutes(1));

        CountDownLatch release = new CountDownLatch(1);
        Future<Long> blocker = holdTheAppender(release);
        Future<?> withdrawal = queue(() -> op.consents.changeStatus(op.accountOf(withdrawn), withdrawn.id(),
                ConsentStatus.WITHDRAWN, StatusRecord.ChangedBy.PERSON, null));
        AccessEvent late = event(permit, withdrawn);
        AccessEvent fine = event(permit, kept);
        Future<?> refused = queue(() -> {
            accessLog.record(late);
            return null;
        });
        Future<?> recorded = queue(() -> {
            accessLog.record(fine);
            return null;
        });
        release.countDown();
        blocker.get(30, TimeUnit.SECONDS);

        withdrawal.get(30, TimeUnit.SECONDS);
        assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ConsentsEndedException.class)
                .extracting(e -> ((ConsentsEndedException) e).consentIds()).isEqualTo(Set.of(withdrawn.id()));
        recorded.get(30, TimeUnit.SECONDS);
        assertThat(op.count("select count(*) from access_event where id = ?", late.id())).isZero();
        assertThat(op.count("select count(*) from access_event where id = ?", fine.id())).isEqualTo(1);
        long withdrawalIndex = latest(withdrawn).logIndex();
        assertThat(op.count("select log_index from access_event where id = ?", fine.id()))
                .isEqualTo(withdrawalIndex + 1);
        assertThat(op.count("select count(distinct xmin::text) from log_entry where idx >= ?", withdrawalIndex))
                .isEqualTo(1);
    }

    @Test
    void theIdempotencyKeyIsStoredWithTheWriteAndOnlyWithIt() {
        Consent consent = consent(op.newAccount());
        Account person = op.accountOf(consent);
        Instant now = op.clock.instant();
        IdempotencyKeys.Claim pause = new IdempotencyKeys.Claim("alice", "key-1", "fp", "POST", "/status", now,
                now.plus(Duration.ofDays(1)));
        try (IdempotencyScope scope = IdempotencyScope.open(pause)) {
            op.consents.changeStatus(person, consent.id(), ConsentStatus.PAUSED, StatusRecord.ChangedBy.PERSON, null);
            assertThat(scope.state()).isEqualTo(IdempotencyScope.State.COMMITTED);
        }
        assertThat(op.count("select count(*) from idempotency_key where idem_key = 'key-1'")).isEqualTo(1);

        IdempotencyKeys.Claim again = new IdempotencyKeys.Claim("alice", "key-2", "fp", "POST", "/status", now,
                now.plus(Duration.ofDays(1)));
        try (IdempotencyScope scope = IdempotencyScope.open(again)) {
            assertThatThrownBy(() -> op.consents.changeStatus(person, consent.id(), ConsentStatus.PAUSED,
                    StatusRecord.ChangedBy.PERSON, null)).isInstanceOf(ConflictException.class);
            assertThat(scope.state()).as("a refused write gives the key up").isEqualTo(IdempotencyScope.State.OPEN);
        }
        assertThat(op.count("select count(*) from idempotency_key where idem_key = 'key-2'")).isZero();
    }

    // ---------------------------------------------------------------- helpers

    private Consent consent(Account person) {
        op.link(person, hospital);
        return op.consents.grant(person, new NewConsent(programme.id(), null, null, null, null, null));
    }

    private StatusRecord latest(Consent consent) {
        return op.consents.get(op.accountOf(consent), consent.id()).latestStatus();
    }

    private AccessEvent event(UUID permit, Consent consent) {
        return new AccessEvent(UUID.randomUUID(), permit, "researcher@uni.example", "search-type",
                List.of("Observation"), 2, List.of(new PersonAccess(consent.accountId(), consent.id(), 2)),
                op.clock.instant());
    }

    /** A batch of one whose check waits for the latch: what is submitted meanwhile queues for the next batch. */
    private Future<Long> holdTheAppender(CountDownLatch release) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        Future<Long> blocker = pool.submit(() -> op.appender.submit(c -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return b -> b.append("blocker".getBytes(StandardCharsets.UTF_8));
        }));
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        return blocker;
    }

    /** Submits from a thread of its own and returns once the write waits in the queue, so the order is known. */
    private Future<?> queue(Callable<?> write) throws InterruptedException {
        int before = op.appender.queued();
        Future<?> future = pool.submit(write);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (op.appender.queued() == before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(op.appender.queued()).as("queued behind the running batch").isEqualTo(before + 1);
        return future;
    }
}
