package org.mydata.operator.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.consent.StatusChange;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.json.Json;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.PermitPseudonyms;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceHosts;
import org.mydata.operator.testing.TestOperator;

/** The outbox: events written with the change, named by the gateway's pseudonyms; expiries once; deliveries. */
class OutboxTest {
    @TempDir
    static Path keys;

    static TestOperator op;
    static FhirSource hospital;
    static DataRequests requests;

    private Deliveries deliveries;

    @BeforeAll
    static void startOperator() {
        op = new TestOperator(keys);
        hospital = op.source("Hospital N");
        requests = new DataRequests(op.tx, op.appender, op.clock);
    }

    @AfterEach
    void stopDeliveries() {
        if (deliveries != null) {
            deliveries.close();
        }
        op.clock.set(TestOperator.START);
    }

    private Permit permit(Programme programme, Duration valid) {
        UUID request = requests.submit("researcher-1", new NewDataRequest(programme.id(), "Study", "Uni", "dpv:AcademicResearch",
                DataScope.ofTypes(List.of("Observation")), "why", op.clock.instant().plus(valid))).id();
        UUID permitId = requests.decide("steward@research.example", request, DataRequests.Decision.APPROVE, null)
                .permitId();
        return op.tx.read(c -> Permits.find(c, permitId)).orElseThrow();
    }

    private Consent consent(Account person, Programme programme) {
        op.link(person, hospital);
        return op.consents.grant(person, new NewConsent(programme.id(), null, null, null, null, null));
    }

    private List<Map<String, Object>> payloads(UUID permitId) {
        return op.tx.read(c -> {
            List<Map<String, Object>> found = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "select payload from notification_event where permit_id = ? order by log_index nulls last, id")) {
                ps.setObject(1, permitId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(Json.read(rs.getString(1)));
                    }
                }
            }
            return found;
        });
    }

    @Test
    void aWithdrawalWritesOneEventPerPermitNamingThePersonAsTheGatewayDoes() {
        Programme programme = op.heartStudy();
        Account person = op.newAccount();
        Consent consent = consent(person, programme);
        Permit first = permit(programme, Duration.ofDays(30));
        Permit second = permit(programme, Duration.ofDays(30));

        op.consents.changeStatus(person, consent.id(), ConsentStatus.PAUSED, StatusRecord.ChangedBy.PERSON, null);
        op.consents.changeStatus(person, consent.id(), ConsentStatus.ACTIVE, StatusRecord.ChangedBy.PERSON, null);
        StatusChange withdrawn = op.consents.changeStatus(person, consent.id(), ConsentStatus.WITHDRAWN,
                StatusRecord.ChangedBy.PERSON, null);

        for (Permit permit : List.of(first, second)) {
            List<Map<String, Object>> events = payloads(permit.id());
            // A pause and a withdrawal; resuming tells nobody anything.
            assertThat(events).extracting(e -> e.get("type")).containsExactly("consent.paused", "consent.withdrawn");
            Map<String, Object> event = events.get(1);
            PermitPseudonyms pseudonyms = op.tx.read(c -> Permits.pseudonyms(c, permit.id()));
            assertThat(event.get("subject_pseudonyms")).isEqualTo(List.of(pseudonyms.person(person.id())));
            assertThat(event.get("erasure_requested")).isEqualTo(true);
            assertThat(((Number) event.get("log_index")).longValue()).isEqualTo(withdrawn.record().logIndex());
        }
        // Each permit names the person differently: pseudonyms do not link across permits.
        assertThat(payloads(first.id()).get(1).get("subject_pseudonyms"))
                .isNotEqualTo(payloads(second.id()).get(1).get("subject_pseudonyms"));
    }

    @Test
    void aPermitsExpiryIsWrittenOnceHoweverManyNodesLook() throws Exception {
        Programme programme = op.heartStudy();
        Account person = op.newAccount();
        consent(person, programme);
        Permit permit = permit(programme, Duration.ofDays(1));
        op.clock.advance(Duration.ofDays(2));

        int nodes = 4;
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> written = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            PermitExpiries node = new PermitExpiries(op.tx, op.clock);
            written.add(pool.submit(() -> {
                go.await();
                return node.notifyExpired();
            }));
        }
        go.countDown();
        int total = 0;
        for (Future<Integer> f : written) {
            total += f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(payloads(permit.id())).extracting(e -> e.get("type")).containsExactly("permit.expired");
        assertThat(total).isGreaterThanOrEqualTo(1);
        assertThat(new PermitExpiries(op.tx, op.clock).notifyExpired()).isZero();
        Map<String, Object> event = payloads(permit.id()).get(0);
        assertThat(event).doesNotContainKey("log_index");
        PermitPseudonyms pseudonyms = op.tx.read(c -> Permits.pseudonyms(c, permit.id()));
        assertThat(event.get("subject_pseudonyms")).isEqualTo(List.of(pseudonyms.person(person.id())));
    }

    @Test
    void aHangingEndpointDoesNotHoldUpAnotherAndAFailingOneIsGivenUpAfterTheHorizon() throws Exception {
        Programme programme = op.heartStudy();
        Account person = op.newAccount();
        Consent consent = consent(person, programme);
        Permit permit = permit(programme, Duration.ofDays(30));
        Webhooks webhooks = new Webhooks(op.tx, SourceHosts.publicOnly(
                List.of("hanging.example", "good.example", "failing.example"), "test"), false, op.clock);
        URI hanging = URI.create("https://hanging.example/hook");
        URI good = URI.create("https://good.example/hook");
        URI failing = URI.create("https://failing.example/hook");
        UUID hangingId = webhooks.register("researcher-1", permit.id(), hanging.toString()).id();
        webhooks.register("researcher-1", permit.id(), good.toString());
        webhooks.register("researcher-1", permit.id(), failing.toString());

        CountDownLatch release = new CountDownLatch(1);
        LinkedBlockingQueue<String> arrived = new LinkedBlockingQueue<>();
        Deliveries.Transport transport = (url, id, timestamp, jws) -> {
            if (url.equals(hanging)) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new Deliveries.Result(null, "no answer");
            }
            if (url.equals(failing)) {
                return new Deliveries.Result(503, "the endpoint answered 503");
            }
            arrived.add(jws);
            return new Deliveries.Result(204, null);
        };
        deliveries = new Deliveries(op.tx, op.keyRing, op.clock, transport, new Deliveries.Settings(
                Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofHours(1), Duration.ofMinutes(1), 4,
                Duration.ofMillis(50)));
        deliveries.start();
        op.consents.changeStatus(person, consent.id(), ConsentStatus.WITHDRAWN, StatusRecord.ChangedBy.PERSON, null);
        deliveries.wakeUp();

        String jws = arrived.poll(30, TimeUnit.SECONDS);
        assertThat(jws).as("the good endpoint got the event while the hanging one held its attempt").isNotNull();
        assertThat(release.getCount()).isEqualTo(1);
        VerifiedRecord verified = op.verifier().verify(jws);
        assertThat(verified.type()).isEqualTo(RecordType.WEBHOOK_EVENT);
        assertThat(verified.claims().get("type")).isEqualTo("consent.withdrawn");

        // Past the horizon, the failing endpoint's next failure gives it up; the hanging one is still in flight.
        op.clock.advance(Duration.ofHours(2));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (op.count("select count(*) from webhook_delivery where state = 'dead'") == 0
                && System.nanoTime() < deadline) {
            deliveries.wakeUp();
            Thread.sleep(50);
        }
        List<Webhooks.Delivery> all = webhooks.deliveries("researcher-1", permit.id());
        assertThat(all).filteredOn(d -> d.url().equals(failing)).singleElement().satisfies(d -> {
            assertThat(d.state()).isEqualTo("dead");
            // The clock's jump of two hours lapses the lease of an attempt still running, so another may finish
            // after the one that gave up: the give-up is recorded, not necessarily last.
            assertThat(d.history()).extracting(Webhooks.Attempt::outcome).contains("gave-up");
            assertThat(d.history()).first().extracting(Webhooks.Attempt::httpStatus).isEqualTo(503);
        });
        assertThat(all).filteredOn(d -> d.url().equals(good)).singleElement()
                .extracting(Webhooks.Delivery::state).isEqualTo("delivered");
        assertThat(all).filteredOn(d -> d.webhookId().equals(hangingId)).singleElement()
                .extracting(Webhooks.Delivery::state).isEqualTo("pending");
        release.countDown();
    }
}
