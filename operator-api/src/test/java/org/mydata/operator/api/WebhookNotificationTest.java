package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The "done when" for notifications: a real HTTP receiver, a withdrawal, the signed event arriving across
 * an operator restart and verifying against the JWKS fetched over HTTP, a hanging endpoint that does not hold up
 * the other, and the holder's erasure acknowledgement reaching the citizen.
 */
class WebhookNotificationTest {

    /** What a receiver saw of one request. */
    record Received(String contentType, String webhookId, String webhookTimestamp, String body) {
    }

    @Test
    void aWithdrawalReachesTheHolderSignedAcrossARestartAndItsErasureReachesTheCitizen() throws Exception {
        Path dataDir = Files.createTempDirectory("operator-webhooks");
        int receiverPort = freePort();
        BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        CountDownLatch releaseHanging = new CountDownLatch(1);
        AtomicInteger hangingEntered = new AtomicInteger();
        HttpServer hanging = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hanging.createContext("/hook", exchange -> {
            hangingEntered.incrementAndGet();
            try {
                // A receiver that takes the request and never answers: the operator must give up on its own.
                releaseHanging.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        hanging.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        hanging.start();
        HttpServer receiver = null;
        try {
            String permit;
            String consent;
            String pseudonym;
            long withdrawalIndex;
            String goodHook;
            try (ConfigurableApplicationContext first = start(dataDir)) {
                OperatorHttp http = new OperatorHttp(port(first));
                ResearchFixtures fixtures = new ResearchFixtures(http);
                String programme = fixtures.programme(List.of("Patient", "Observation"));
                String alice = fixtures.citizen("alice");
                consent = fixtures.consent(alice, programme, List.of(fixtures.demoSource), null);
                permit = fixtures.approvedPermit(programme, List.of("Patient", "Observation"), "Webhook study");

                // The person's pseudonym as the gateway names their Patient in this permit.
                JsonNode patients = http.get("/fhir/" + permit + "/Patient", fixtures.researcher).json();
                assertThat(patients.get("entry")).hasSize(1);
                pseudonym = patients.get("entry").get(0).get("resource").get("id").asText();

                // Registration: holder only, https unless allowed, no credentials in the URL.
                assertThat(http.post("/api/v1/permits/" + permit + "/webhooks", fixtures.researcher,
                        Map.of("url", "http://user:pw@localhost:" + receiverPort + "/hook")).status()).isEqualTo(422);
                OperatorHttp.Reply stranger = http.post("/api/v1/permits/" + permit + "/webhooks", fixtures.steward,
                        Map.of("url", "http://localhost:" + receiverPort + "/hook"));
                assertThat(stranger.status()).isEqualTo(403);
                assertThat(stranger.contentType()).contains("application/problem+json");
                String hangingHook = "http://127.0.0.1:" + hanging.getAddress().getPort() + "/hook";
                assertThat(http.post("/api/v1/permits/" + permit + "/webhooks", fixtures.researcher,
                        Map.of("url", hangingHook)).status()).isEqualTo(201);
                goodHook = "http://localhost:" + receiverPort + "/hook";
                OperatorHttp.Reply registered = http.post("/api/v1/permits/" + permit + "/webhooks",
                        fixtures.researcher, Map.of("url", goodHook));
                assertThat(registered.status()).as(registered.body()).isEqualTo(201);
                assertThat(http.get("/api/v1/permits/" + permit + "/webhooks", fixtures.researcher).json())
                        .hasSize(2);

                // The receiver is down: the operator tries, fails, and is stopped before it could deliver.
                OperatorHttp.Reply withdrawn = http.post("/api/v1/me/consents/" + consent + "/status", alice,
                        Map.of("status", "withdrawn"));
                assertThat(withdrawn.status()).as(withdrawn.body()).isEqualTo(200);
                withdrawalIndex = withdrawn.json().get("statusRecord").get("logIndex").asLong();
                await("the operator tried the receiver that is down", () -> attempts(http, fixtures.steward, permit,
                        goodHook) >= 1);
                JsonNode failed = delivery(http, fixtures.steward, permit, goodHook);
                assertThat(failed.get("state").asText()).isEqualTo("pending");
                assertThat(failed.get("history").get(0).get("outcome").asText()).isEqualTo("failed");
            }

            receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", receiverPort), 0);
            receiver.createContext("/hook", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                received.add(new Received(exchange.getRequestHeaders().getFirst("Content-Type"),
                        exchange.getRequestHeaders().getFirst("webhook-id"),
                        exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                        new String(body, StandardCharsets.US_ASCII)));
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            receiver.start();

            try (ConfigurableApplicationContext second = start(dataDir)) {
                OperatorHttp http = new OperatorHttp(port(second));
                ResearchFixtures fixtures = new ResearchFixtures(http);
                Received event = received.poll(60, TimeUnit.SECONDS);
                assertThat(event).as("the event arrived after the restart").isNotNull();
                // The hanging endpoint had its turn too and has not answered: it held up nothing.
                assertThat(releaseHanging.getCount()).isEqualTo(1);
                await("the hanging endpoint was tried", () -> hangingEntered.get() >= 1);

                assertThat(event.contentType()).isEqualTo("application/jose");
                JWKSet jwks = JWKSet.parse(http.get("/.well-known/jwks.json", null).body());
                VerifiedRecord verified = new RecordVerifier(jwks).verify(event.body());
                assertThat(verified.type()).isEqualTo(RecordType.WEBHOOK_EVENT);
                assertThat(JWSObject.parse(event.body()).getHeader().getType().getType())
                        .isEqualTo("webhook-event+jwt");
                Map<String, Object> claims = verified.claims();
                assertThat(claims.get("type")).isEqualTo("consent.withdrawn");
                assertThat(claims.get("permit_id")).isEqualTo(permit);
                assertThat(claims.get("erasure_requested")).isEqualTo(true);
                assertThat(((Number) claims.get("log_index")).longValue()).isEqualTo(withdrawalIndex);
                assertThat(claims.get("subject_pseudonyms")).isEqualTo(List.of(pseudonym));
                assertThat(claims.get("event_id")).isEqualTo(event.webhookId());
                assertThat(String.valueOf(claims.get("iat"))).isEqualTo(event.webhookTimestamp());
                assertThat(Long.parseLong(event.webhookTimestamp()))
                        .isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(120L));
                String eventId = event.webhookId();

                JsonNode delivered = delivery(http, fixtures.researcher, permit, goodHook);
                assertThat(delivered.get("state").asText()).isEqualTo("delivered");
                assertThat(delivered.get("history").size()).isGreaterThanOrEqualTo(2);
                JsonNode stuck = delivery(http, fixtures.researcher, permit,
                        "http://127.0.0.1:" + hanging.getAddress().getPort() + "/hook");
                assertThat(stuck.get("state").asText()).isEqualTo("pending");
                assertThat(absent(stuck, "deliveredAt")).isTrue();

                // Before the holder confirms, the citizen sees who was told, and that nobody confirmed yet.
                String alice = http.citizenToken("alice", "alice-demo-password");
                JsonNode notice = notice(http, alice, eventId);
                assertThat(notice.get("delivery").asText()).isEqualTo("delivered");
                assertThat(notice.get("recipient").asText()).isEqualTo("researcher-demo");
                assertThat(absent(notice, "erasure")).isTrue();
                assertThat(notice.get("awaitingConfirmationSeconds").asLong()).isGreaterThanOrEqualTo(0);

                // A time before the event that asked for the erasure, or in the future, is never signed.
                for (String wrong : List.of("1900-01-01T00:00:00Z", Instant.now().minusSeconds(3600).toString(),
                        Instant.now().plusSeconds(3600).toString())) {
                    OperatorHttp.Reply refused = http.post("/api/v1/permits/" + permit + "/erasures/" + eventId,
                            fixtures.researcher, Map.of("done_at", wrong));
                    assertThat(refused.status()).as(wrong + ": " + refused.body()).isEqualTo(422);
                    assertThat(refused.body()).contains("done_at");
                }

                // The holder confirms: a signed record in the log, the same one again on a repeat.
                Instant doneAt = Instant.now();
                Map<String, Object> ack = Map.of("done_at", doneAt.toString(), "note", "Removed from the analysis store");
                OperatorHttp.Reply acknowledged = http.post("/api/v1/permits/" + permit + "/erasures/" + eventId,
                        fixtures.researcher, ack);
                assertThat(acknowledged.status()).as(acknowledged.body()).isEqualTo(201);
                OperatorHttp.Reply again = http.post("/api/v1/permits/" + permit + "/erasures/" + eventId,
                        fixtures.researcher, ack);
                assertThat(again.status()).isEqualTo(200);
                assertThat(again.json().get("id").asText()).isEqualTo(acknowledged.json().get("id").asText());
                VerifiedRecord record = new RecordVerifier(jwks).verify(acknowledged.json().get("record").asText());
                assertThat(record.type()).isEqualTo(RecordType.ERASURE_ACKNOWLEDGEMENT);
                assertThat(record.claims().get("event_id")).isEqualTo(eventId);
                assertThat(((Number) record.claims().get("event_log_index")).longValue()).isEqualTo(withdrawalIndex);
                OperatorHttp.Reply byStranger = http.post("/api/v1/permits/" + permit + "/erasures/" + eventId,
                        http.clientToken("steward-demo", "steward-demo-secret", "steward"), ack);
                assertThat(byStranger.status()).isEqualTo(403);

                JsonNode confirmed = notice(http, alice, eventId);
                assertThat(confirmed.get("erasure").get("doneAt").asText()).isNotBlank();
                assertThat(absent(confirmed, "awaitingConfirmationSeconds")).isTrue();
                assertThat(http.get("/api/v1/me/consents/" + consent + "/notifications", alice).json()).hasSize(1);

                // Auditors see the telling and the confirmation as AuditEvents in the consent's FHIR bundle.
                String auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
                JsonNode bundle = http.get("/api/v1/audit/consents/" + consent + "/fhir", auditor).json();
                List<String> lifecycle = new java.util.ArrayList<>();
                for (JsonNode entry : bundle.get("entry")) {
                    JsonNode resource = entry.get("resource");
                    if (resource.get("resourceType").asText().equals("AuditEvent")
                            && resource.get("type").get("system").asText().endsWith("iso-21089-lifecycle")) {
                        lifecycle.add(resource.get("type").get("code").asText());
                    }
                }
                assertThat(lifecycle).containsExactly("transmit", "destroy");
            }
        } finally {
            releaseHanging.countDown();
            hanging.stop(0);
            if (receiver != null) {
                receiver.stop(0);
            }
        }
    }

    /** The API leaves null fields out. */
    private static boolean absent(JsonNode node, String field) {
        return node.get(field) == null || node.get(field).isNull();
    }

    private static JsonNode notice(OperatorHttp http, String citizen, String eventId) {
        for (JsonNode n : http.get("/api/v1/me/notifications", citizen).json()) {
            if (n.get("eventId").asText().equals(eventId)) {
                return n;
            }
        }
        throw new AssertionError("no notice of event " + eventId);
    }

    private static int attempts(OperatorHttp http, String token, String permit, String url) {
        JsonNode d = delivery(http, token, permit, url);
        return d == null ? 0 : d.get("history").size();
    }

    private static JsonNode delivery(OperatorHttp http, String token, String permit, String url) {
        OperatorHttp.Reply reply = http.get("/api/v1/permits/" + permit + "/webhooks/deliveries", token);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        for (JsonNode d : reply.json()) {
            if (d.get("url").asText().equals(url)) {
                return d;
            }
        }
        return null;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("gave up waiting until " + what);
            }
            Thread.sleep(100);
        }
    }

    static ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(OperatorApplication.class).run("--server.port=0",
                "--operator.data-dir=" + dataDir,
                // The receivers listen on this machine, which webhooks may not point at by default, and over http.
                "--operator.notifications.allowed-hosts=localhost,127.0.0.1",
                "--operator.notifications.allow-plain-http=true",
                "--operator.notifications.poll-interval=200ms",
                "--operator.notifications.initial-backoff=500ms",
                "--operator.notifications.max-backoff=2s",
                "--operator.notifications.connect-timeout=1s",
                "--operator.notifications.request-timeout=3s");
    }

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
