package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Issue 23 item 11: webhooks on one host must not share a connection limit. Three receivers that take the request
 * and never answer, and one healthy receiver, all on the same host and port (different paths, so one HTTP route
 * for a connection pool): while the three hang, the healthy one gets its event on its first attempt, as
 * docs/notifications.md promises ("a dead or hanging endpoint never delays another endpoint's events, as long as
 * fewer endpoints than workers are dead at once"). Before the fix the pool gave a host 2 connections, so the healthy
 * endpoint's attempt waited for a connection the hanging ones held, failed, and backed off.
 */
class WebhookIsolationTest {

    @Test
    void hangingReceiversOnAHostDoNotDelayAHealthyOneOnTheSameHost() throws Exception {
        Path dataDir = Files.createTempDirectory("operator-webhook-isolation");
        CountDownLatch releaseHanging = new CountDownLatch(1);
        AtomicInteger hangingEntered = new AtomicInteger();
        AtomicInteger hangingLeft = new AtomicInteger();
        BlockingQueue<WebhookNotificationTest.Received> received = new LinkedBlockingQueue<>();
        ExecutorService receiverThreads = Executors.newCachedThreadPool();
        HttpServer host = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> hangingPaths = List.of("/hanging-1", "/hanging-2", "/hanging-3");
        for (String path : hangingPaths) {
            host.createContext(path, exchange -> {
                hangingEntered.incrementAndGet();
                try {
                    // Takes the request and never answers (until the test ends): the operator aborts on its own.
                    releaseHanging.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    hangingLeft.incrementAndGet();
                    exchange.close();
                }
            });
        }
        host.createContext("/healthy", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new WebhookNotificationTest.Received(exchange.getRequestHeaders().getFirst("Content-Type"),
                    exchange.getRequestHeaders().getFirst("webhook-id"),
                    exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    new String(body, StandardCharsets.US_ASCII)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        host.setExecutor(receiverThreads);
        host.start();
        String origin = "http://127.0.0.1:" + host.getAddress().getPort();
        try (ConfigurableApplicationContext operator = start(dataDir)) {
            try {
                OperatorHttp http = new OperatorHttp(WebhookNotificationTest.port(operator));
                ResearchFixtures fixtures = new ResearchFixtures(http);
                String programme = fixtures.programme(List.of("Patient", "Observation"));
                String alice = fixtures.citizen("alice");
                String consent = fixtures.consent(alice, programme, List.of(fixtures.demoSource), null);
                String permit = fixtures.approvedPermit(programme, List.of("Patient", "Observation"),
                        "Webhook isolation study");
                for (String path : hangingPaths) {
                    OperatorHttp.Reply registered = http.post("/api/v1/permits/" + permit + "/webhooks",
                            fixtures.researcher, Map.of("url", origin + path));
                    assertThat(registered.status()).as(registered.body()).isEqualTo(201);
                }

                // A first event keeps the hanging receivers busy: each holds its request open.
                fixtures.status(alice, consent, "paused");
                await("the hanging receivers hold requests open", () -> hangingEntered.get() >= 2);

                // Only now the healthy receiver, on the same host and port: it gets the next event only.
                String healthyHook = origin + "/healthy";
                OperatorHttp.Reply registered = http.post("/api/v1/permits/" + permit + "/webhooks",
                        fixtures.researcher, Map.of("url", healthyHook));
                assertThat(registered.status()).as(registered.body()).isEqualTo(201);
                fixtures.status(alice, consent, "withdrawn");

                await("the healthy receiver was tried", () -> {
                    JsonNode d = delivery(http, fixtures.researcher, permit, healthyHook);
                    return d != null && d.get("history").size() >= 1;
                });
                JsonNode healthy = delivery(http, fixtures.researcher, permit, healthyHook);
                assertThat(healthy.get("history").get(0).get("outcome").asText())
                        .as("the healthy receiver's first attempt, while three on its host hang: %s", healthy)
                        .isEqualTo("delivered");
                assertThat(healthy.get("state").asText()).isEqualTo("delivered");
                // It was not a lull: no hanging request had ended yet; and all three hang at once, none waits.
                assertThat(hangingLeft.get()).isZero();
                await("every hanging receiver holds a request", () -> hangingEntered.get() == hangingPaths.size());
                assertThat(hangingLeft.get()).isZero();

                // The same signed event and Standard Webhooks headers as always.
                WebhookNotificationTest.Received event = received.poll(10, TimeUnit.SECONDS);
                assertThat(event).isNotNull();
                assertThat(event.contentType()).isEqualTo("application/jose");
                VerifiedRecord verified = new RecordVerifier(
                        JWKSet.parse(http.get("/.well-known/jwks.json", null).body())).verify(event.body());
                assertThat(verified.type()).isEqualTo(RecordType.WEBHOOK_EVENT);
                assertThat(verified.claims().get("type")).isEqualTo("consent.withdrawn");
                assertThat(verified.claims().get("permit_id")).isEqualTo(permit);
                assertThat(verified.claims().get("event_id")).isEqualTo(event.webhookId());
                assertThat(String.valueOf(verified.claims().get("iat"))).isEqualTo(event.webhookTimestamp());

                // The hanging receivers' events are still owed to them (at least once), not dropped.
                for (String path : hangingPaths) {
                    JsonNode stuck = delivery(http, fixtures.researcher, permit, origin + path);
                    assertThat(stuck.get("state").asText()).isEqualTo("pending");
                }
            } finally {
                releaseHanging.countDown();
            }
        } finally {
            host.stop(0);
            receiverThreads.shutdownNow();
        }
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

    /**
     * Attempts run for up to a minute, so the hanging receivers hold their requests for the whole test; the
     * connect timeout (which also bounds the wait for a pooled connection) is short, so waiting for a connection
     * shows as a failed attempt.
     */
    private static ConfigurableApplicationContext start(Path dataDir) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--operator.data-dir=" + dataDir,
                "--operator.notifications.allowed-hosts=localhost,127.0.0.1",
                "--operator.notifications.allow-plain-http=true",
                "--operator.notifications.poll-interval=200ms",
                "--operator.notifications.initial-backoff=500ms",
                "--operator.notifications.max-backoff=2s",
                "--operator.notifications.connect-timeout=1s",
                "--operator.notifications.request-timeout=60s"));
        return new SpringApplicationBuilder(OperatorApplication.class).run(args.toArray(String[]::new));
    }
}
