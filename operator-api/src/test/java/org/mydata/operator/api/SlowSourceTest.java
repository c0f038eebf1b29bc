package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.source.UpstreamReads;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A source that trickles its answer a byte at a time holds the gateway no longer than the deadline, and never
 * holds requests of other permits and sources: its reads run in its own bulkhead, and when that is full a
 * further request for it is refused at once. The tests run with a deadline of 8 s, a read timeout of 3 s and
 * bulkheads of 2 running and 4 waiting (OperatorTestBase).
 */
class SlowSourceTest extends OperatorTestBase {
    private static TricklingSource slow;
    private final ExecutorService researchers = Executors.newFixedThreadPool(8);

    @Autowired
    private UpstreamReads upstreamReads;

    @BeforeAll
    static void startSlowSource() throws IOException {
        slow = new TricklingSource(DemoFhirSource.demoPersons(1).get(0).identifier());
    }

    @AfterAll
    static void stopSlowSource() throws IOException {
        slow.close();
    }

    @Test
    void aTricklingSourceIsCutOffAtTheDeadlineWhileOtherPermitsAreServed() throws Exception {
        ResearchFixtures fixtures = new ResearchFixtures(http);
        // By name: the operator refuses loopback addresses for sources, and the test operator allows localhost.
        String slowSource = http.post("/api/v1/sources", fixtures.admin, Map.of("name", "Trickling hospital "
                + UUID.randomUUID(), "fhirBaseUrl", slow.baseUrl().replace("127.0.0.1", "localhost"))).json().get("id").asText();
        String alice = alice();
        OperatorHttp.Reply linked = http.post("/api/v1/me/links", alice, Map.of("sourceId", slowSource));
        assertThat(linked.status()).as(linked.body()).isEqualTo(201);
        String slowProgramme = fixtures.programme(List.of("Observation"));
        fixtures.consent(alice, slowProgramme, List.of(slowSource), null);
        String slowPermit = fixtures.approvedPermit(slowProgramme, List.of("Observation"), "Slow");
        String bob = fixtures.citizen("bob");
        String demoProgramme = fixtures.programme(List.of("Observation"));
        fixtures.consent(bob, demoProgramme, List.of(fixtures.demoSource), null);
        String demoPermit = fixtures.approvedPermit(demoProgramme, List.of("Observation"), "Healthy");
        // The slow permit's release plan is surveyed while the source still answers (a plan is made once per cohort,
        // before anything is released: docs/gateway.md); from here on it trickles.
        slow.answerAtOnce(true);
        OperatorHttp.Reply planned = http.get("/fhir/" + slowPermit + "/Observation", fixtures.researcher);
        assertThat(planned.status()).as(planned.body()).isEqualTo(200);
        slow.answerAtOnce(false);
        int aliceEventsBefore = http.get("/api/v1/me/access-log", alice).json().size();
        OperatorHttp.Reply before = http.get("/fhir/" + demoPermit + "/Observation?_count=5", fixtures.researcher);
        assertThat(before.status()).as(before.body()).isEqualTo(200);
        UUID slowId = UUID.fromString(slowSource);

        // Six requests fill the slow source's bulkhead: two read, four wait.
        List<CompletableFuture<OperatorHttp.Reply>> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(CompletableFuture.supplyAsync(() -> http.get("/fhir/" + slowPermit + "/Observation",
                    fixtures.researcher), researchers));
        }
        await(() -> upstreamReads.running(slowId) == 2 && upstreamReads.waiting(slowId) == 4);

        // A seventh is refused at once rather than queued behind them.
        OperatorHttp.Reply busy = http.get("/fhir/" + slowPermit + "/Observation", fixtures.researcher);
        assertRefused(busy, 504, "is busy");
        assertThat(held).as("refused while the others still wait").noneMatch(CompletableFuture::isDone);

        // Another permit, reading another source, is answered in full meanwhile.
        OperatorHttp.Reply healthy = http.get("/fhir/" + demoPermit + "/Observation?_count=5", fixtures.researcher);
        assertThat(healthy.status()).as(healthy.body()).isEqualTo(200);
        assertThat(healthy.json().get("total").asInt()).isPositive();
        assertThat(held).as("answered while the slow source still holds its requests").noneMatch(CompletableFuture::isDone);

        for (CompletableFuture<OperatorHttp.Reply> request : held) {
            assertRefused(request.get(60, TimeUnit.SECONDS), 504, "within the deadline of 8 s");
        }
        // No thread goes on reading the slow source for nobody: the source saw every connection closed under it
        // (the two reads, and any waiting read that got its turn in the moment before the deadline).
        await(() -> upstreamReads.running(slowId) == 0 && upstreamReads.waiting(slowId) == 0);
        assertThat(slow.observationRequests()).isBetween(2, 6);
        await(() -> slow.closedByClient() == slow.observationRequests());
        assertThat(http.get("/api/v1/me/access-log", alice).json().size()).isEqualTo(aliceEventsBefore);
        researchers.shutdownNow();
    }

    private static void assertRefused(OperatorHttp.Reply reply, int status, String detail) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        JsonNode outcome = reply.json();
        assertThat(outcome.get("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(outcome.get("issue").get(0).get("diagnostics").asText()).contains(detail)
                .contains("Nothing was released");
        assertThat(reply.body()).doesNotContain("slow-alice").doesNotContain("Exception");
    }

    /** Waits for a consequence, not for a speed: the bound is generous. */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("the condition did not come true");
            }
            Thread.sleep(20);
        }
    }

    /**
     * A FHIR source on a plain socket (a mock server buffers what it dribbles): it finds the person, and answers
     * an Observation search with a valid beginning and then one byte every 0.2 s, never silent for the read
     * timeout. It notes when the gateway closes such a connection.
     */
    private static final class TricklingSource implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final ExecutorService connections = Executors.newCachedThreadPool();
        private final String patientSearch;
        private final AtomicInteger observationRequests = new AtomicInteger();
        private final AtomicInteger closedByClient = new AtomicInteger();
        private volatile boolean answerAtOnce;

        TricklingSource(PersonIdentifier person) throws IOException {
            patientSearch = "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":"
                    + "{\"resourceType\":\"Patient\",\"id\":\"slow-alice\",\"identifier\":[{\"system\":\""
                    + person.system() + "\",\"value\":\"" + person.value() + "\"}]}}]}";
            connections.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        connections.execute(() -> serve(socket));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        String baseUrl() {
            return "http://127.0.0.1:" + server.getLocalPort() + "/fhir";
        }

        int closedByClient() {
            return closedByClient.get();
        }

        /** Whether Observation searches are answered at once (an empty page) instead of trickled. */
        void answerAtOnce(boolean atOnce) {
            answerAtOnce = atOnce;
        }

        int observationRequests() {
            return observationRequests.get();
        }

        private void serve(Socket socket) {
            // Counted only when an Observation answer was being trickled: a connection the gateway closes while
            // a Patient answer sits unread in its buffer ends in a reset too, and is no read left running.
            boolean trickling = false;
            try (socket) {
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.ISO_8859_1));
                OutputStream out = socket.getOutputStream();
                for (String request = in.readLine(); request != null && !request.isEmpty(); request = in.readLine()) {
                    while (!in.readLine().isEmpty()) {
                        // the headers do not matter
                    }
                    if (request.contains("/Patient") || answerAtOnce) {
                        byte[] body = (request.contains("/Patient") ? patientSearch
                                : "{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}").getBytes(StandardCharsets.UTF_8);
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: "
                                + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.write(body);
                        out.flush();
                        continue;
                    }
                    observationRequests.incrementAndGet();
                    trickling = true;
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: 100000"
                            + "\r\n\r\n{").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    for (int i = 0; i < 100_000; i++) {
                        Thread.sleep(200);
                        out.write(' ');
                        out.flush();
                    }
                }
            } catch (IOException e) {
                if (trickling) {
                    closedByClient.incrementAndGet();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            connections.shutdownNow();
        }
    }
}
