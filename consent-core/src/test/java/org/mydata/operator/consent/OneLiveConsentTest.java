package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.consent.RecordHash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.failure.LiveConsentExistsException;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.testing.TestOperator;
import org.mydata.operator.testing.TestPostgres;

/** Issue 15 item 4: one live consent per person and programme, in the core and in the database. */
class OneLiveConsentTest {
    private static final int THREADS = 8;

    @TempDir
    static Path keys;

    static TestOperator op;
    static FhirSource hospital;
    static Programme heartStudy;

    Account person;

    @BeforeAll
    static void startOperator() {
        op = new TestOperator(keys);
        hospital = op.source("Hospital A");
        heartStudy = op.heartStudy();
    }

    @BeforeEach
    void newPersonLinkedToTheHospital() {
        op.clock.set(TestOperator.START);
        person = op.newAccount();
        op.link(person, hospital);
    }

    private static NewConsent whole() {
        return new NewConsent(heartStudy.id(), null, null, null, null, null);
    }

    private static NewConsent onlyLabResults() {
        return new NewConsent(heartStudy.id(), null, DataScope.ofTypes(List.of("Observation")), null, null, null);
    }

    private long live(Account account) {
        return op.count("select count(*) from consent c where account_id = ? and programme_id = ? and not exists "
                + "(select 1 from consent_status s where s.consent_id = c.id and s.status = 'withdrawn')",
                account.id(), heartStudy.id());
    }

    private long records() {
        return op.count("select count(*) from consent") + op.count("select count(*) from consent_status");
    }

    @Test
    void theSameTermsAgainAnswerWithTheLiveConsentAndSignNothing() {
        Consents.Granted first = op.consents.grantOrFind(person, whole());
        assertThat(first.created()).isTrue();
        long before = records();
        long logBefore = op.count("select count(*) from log_entry");

        // Back + confirm again, or the same request retried: the same consent, nothing new signed or logged.
        op.clock.advance(Duration.ofMinutes(3));
        Consents.Granted again = op.consents.grantOrFind(person, whole());
        assertThat(again.created()).isFalse();
        assertThat(again.consent().id()).isEqualTo(first.consent().id());
        assertThat(again.consent().record()).isEqualTo(first.consent().record());
        assertThat(records()).isEqualTo(before);
        assertThat(op.count("select count(*) from log_entry")).isEqualTo(logBefore);

        // The same terms spelt out (every type, the linked source) are the same terms.
        Consents.Granted spelt = op.consents.grantOrFind(person, new NewConsent(heartStudy.id(),
                List.of("dpv:DataAltruism", "dpv:ScientificResearch"), heartStudy.scope(), List.of(hospital.id()),
                null, null));
        assertThat(spelt.created()).isFalse();
        assertThat(spelt.consent().id()).isEqualTo(first.consent().id());
        assertThat(op.consents.prospect(person, whole()).repeats()).isTrue();
    }

    @Test
    void otherTermsAreRefusedNamingTheLiveConsent() {
        Consent first = op.consents.grant(person, whole());
        long before = records();
        assertThat(op.consents.prospect(person, onlyLabResults()).repeats()).isFalse();
        assertThat(op.consents.prospect(person, onlyLabResults()).live()).map(Consent::id).contains(first.id());

        LiveConsentExistsException refused = catchThrowableOfType(LiveConsentExistsException.class,
                () -> op.consents.grant(person, onlyLabResults()));
        assertThat(refused.consentId()).isEqualTo(first.id());
        assertThat(refused.status()).isEqualTo("active");
        assertThat(refused.getMessage()).contains(first.id().toString(), "one consent per programme", "withdraw");
        assertThat(records()).isEqualTo(before);
        assertThat(live(person)).isEqualTo(1);
    }

    @Test
    void aPausedConsentIsStillTheOneConsent() {
        Consent first = op.consents.grant(person, whole());
        op.consents.changeStatus(person, first.id(), ConsentStatus.PAUSED, StatusRecord.ChangedBy.PERSON, null);

        Consents.Granted again = op.consents.grantOrFind(person, whole());
        assertThat(again.created()).isFalse();
        assertThat(again.consent().status()).isEqualTo(ConsentStatus.PAUSED);
        assertThatThrownBy(() -> op.consents.grant(person, onlyLabResults()))
                .isInstanceOf(LiveConsentExistsException.class);
    }

    @Test
    void afterWithdrawalANewConsentMayBeGiven() {
        Consent first = op.consents.grant(person, whole());
        op.consents.changeStatus(person, first.id(), ConsentStatus.WITHDRAWN, StatusRecord.ChangedBy.PERSON, null);
        assertThat(op.consents.live(person, heartStudy.id())).isEmpty();

        Consents.Granted second = op.consents.grantOrFind(person, onlyLabResults());
        assertThat(second.created()).isTrue();
        assertThat(second.consent().id()).isNotEqualTo(first.id());
        assertThat(op.consents.live(person, heartStudy.id())).map(Consent::id).contains(second.consent().id());
    }

    @Test
    void aConsentPastItsEndDateIsEndedBySignedRecordWhenThePersonConsentsAgain() throws Exception {
        Instant end = TestOperator.START.plus(Duration.ofDays(30));
        Consent first = op.consents.grant(person, new NewConsent(heartStudy.id(), null, null, null, end, null));
        op.clock.set(end.plus(Duration.ofDays(1)));

        Consents.Granted second = op.consents.grantOrFind(person, whole());
        assertThat(second.created()).isTrue();
        Consent ended = op.consents.get(person, first.id());
        assertThat(ended.status()).isEqualTo(ConsentStatus.WITHDRAWN);
        StatusRecord last = ended.latestStatus();
        assertThat(last.changedBy()).isEqualTo(StatusRecord.ChangedBy.OPERATOR);
        assertThat(last.reason()).contains("end date had passed", second.consent().id().toString());
        assertThat(last.prevHash()).isEqualTo(RecordHash.sha256(ended.statusRecords().get(0).record()));
        assertThat(op.verifier().verify(last.record()).claims()).containsEntry("status", "withdrawn");
        assertThat(live(person)).isEqualTo(1);
    }

    @Test
    void theDatabaseRefusesASecondLiveRowWhateverTheCodeDoes() {
        Consent first = op.consents.grant(person, whole());
        assertThatThrownBy(() -> op.execute("insert into consent (id, account_id, programme_id, purposes, scope, "
                + "valid_from, terms, proposal, record, created_at) select ?, account_id, programme_id, purposes, scope, "
                + "valid_from, terms, proposal, record, created_at from consent where id = ?", UUID.randomUUID(),
                first.id()))
                .isInstanceOf(SQLException.class).hasMessageContaining("consent_live_per_programme");
    }

    /**
     * Two nodes (two appenders on one database, as two operator processes have), each with several threads, grant
     * at the same moment: exactly one consent is made, and every caller is answered with it.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentGrantsOnTwoNodesMakeExactlyOneConsent() throws Exception {
        Consents otherNode = new Consents(op.tx, new LogAppender(op.dataSource, op.keyRing), op.clock);
        Set<UUID> answered = ConcurrentHashMap.newKeySet();
        ConcurrentLinkedQueue<Boolean> created = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Consents node = t % 2 == 0 ? op.consents : otherNode;
                workers.add(pool.submit(() -> {
                    start.await();
                    try {
                        Consents.Granted granted = node.grantOrFind(person, whole());
                        answered.add(granted.consent().id());
                        created.add(granted.created());
                    } catch (Throwable e) {
                        failures.add(e);
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
        assertThat(failures).isEmpty();
        assertThat(answered).hasSize(1);
        assertThat(created.stream().filter(c -> c).count()).isEqualTo(1);
        assertThat(op.count("select count(*) from consent where account_id = ?", person.id())).isEqualTo(1);
        assertThat(live(person)).isEqualTo(1);
    }

    /** Racing grants on different terms: one wins, the rest are answered with it or refused naming it. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentGrantsOnDifferentTermsLeaveOneLiveConsent() throws Exception {
        Consents otherNode = new Consents(op.tx, new LogAppender(op.dataSource, op.keyRing), op.clock);
        ConcurrentLinkedQueue<UUID> named = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Consents node = t % 2 == 0 ? op.consents : otherNode;
                NewConsent request = t % 3 == 0 ? onlyLabResults() : whole();
                workers.add(pool.submit(() -> {
                    start.await();
                    try {
                        named.add(node.grant(person, request).id());
                    } catch (LiveConsentExistsException refused) {
                        named.add(refused.consentId());
                    } catch (Throwable e) {
                        failures.add(e);
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
        assertThat(failures).isEmpty();
        assertThat(Set.copyOf(named)).hasSize(1);
        assertThat(op.count("select count(*) from consent where account_id = ?", person.id())).isEqualTo(1);
    }

    /**
     * A database from before the rule, holding two live consents of one person to one programme: the migration
     * keeps the newest and marks the older, and the operator ends the older at start-up with a signed record.
     */
    @Test
    void existingDuplicatesAreEndedWithSignedRecordsAtStartUp(@TempDir Path otherKeys) throws Exception {
        DataSource ds = TestPostgres.emptyDatabase();
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").target("8").load().migrate();
        UUID account = UUID.randomUUID();
        UUID programme = UUID.randomUUID();
        UUID older = UUID.randomUUID();
        UUID newer = UUID.randomUUID();
        UUID otherProgrammeConsent = UUID.randomUUID();
        UUID otherProgramme = UUID.randomUUID();
        Instant t0 = TestOperator.START.minus(Duration.ofDays(10));
        try (Connection c = ds.getConnection()) {
            run(c, "insert into account (id, subject, created_at) values (?, 'legacy', ?)", account, ts(t0));
            for (UUID p : List.of(programme, otherProgramme)) {
                run(c, "insert into programme (id, name, description, organisation, purposes, scope, terms_uri, "
                        + "terms_version, stewards, created_at) values (?, 'P', 'd', 'o', '{dpv:ScientificResearch}', "
                        + "'{\"resource_types\":[\"Observation\"]}', 'https://t.example', '1', '{s}', ?)", p, ts(t0));
            }
            insertLegacyConsent(c, older, account, programme, t0.plus(Duration.ofDays(1)));
            insertLegacyConsent(c, newer, account, programme, t0.plus(Duration.ofDays(2)));
            insertLegacyConsent(c, otherProgrammeConsent, account, otherProgramme, t0.plus(Duration.ofDays(3)));
        }
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();

        TestOperator upgraded = new TestOperator(otherKeys, ds);
        assertThat(upgraded.count("select count(*) from consent where duplicate_of = ?", newer)).isEqualTo(1);
        assertThat(upgraded.consents.endDuplicates()).isEqualTo(1);
        assertThat(upgraded.consents.endDuplicates()).as("a second start ends nothing more").isZero();

        Account legacy = new Account(account, null, null);
        Consent ended = upgraded.consents.get(legacy, older);
        assertThat(ended.status()).isEqualTo(ConsentStatus.WITHDRAWN);
        assertThat(ended.latestStatus().changedBy()).isEqualTo(StatusRecord.ChangedBy.OPERATOR);
        assertThat(ended.latestStatus().reason()).contains("one consent per programme", newer.toString());
        assertThat(upgraded.verifier().verify(ended.latestStatus().record()).claims())
                .containsEntry("cr_id", older.toString()).containsEntry("status", "withdrawn");
        assertThat(upgraded.consents.get(legacy, newer).status()).isEqualTo(ConsentStatus.ACTIVE);
        assertThat(upgraded.consents.get(legacy, otherProgrammeConsent).status()).isEqualTo(ConsentStatus.ACTIVE);
        assertThat(upgraded.consents.live(legacy, programme)).map(Consent::id).contains(newer);
    }

    private static void insertLegacyConsent(Connection c, UUID id, UUID account, UUID programme, Instant at)
            throws SQLException {
        run(c, "insert into consent (id, account_id, programme_id, purposes, scope, valid_from, terms, proposal, "
                + "record, created_at) values (?, ?, ?, '{dpv:ScientificResearch}', '{\"resource_types\":[\"Observation\"]}', "
                + "?, '{\"policy_uri\":\"https://t.example\",\"version\":\"1\",\"shown_text_sha256\":\"x\"}', 'text', "
                + "'legacy.cr.record', ?)", id, account, programme, ts(at), ts(at));
        run(c, "insert into consent_status (id, consent_id, seq, status, changed_by, record, created_at) "
                + "values (?, ?, 1, 'active', 'person', 'legacy.csr.record', ?)", UUID.randomUUID(), id, ts(at));
    }

    private static void run(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    private static Timestamp ts(Instant at) {
        return Timestamp.from(at);
    }
}
