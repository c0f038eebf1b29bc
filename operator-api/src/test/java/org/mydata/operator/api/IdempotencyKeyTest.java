package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.demo.DemoConfig;
import tools.jackson.databind.JsonNode;

/** The Idempotency-Key header on state-changing requests, with real tokens against a real PostgreSQL. */
class IdempotencyKeyTest extends OperatorTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private String alice;
    private String programmeId;

    @BeforeEach
    void linked() {
        alice = alice();
        programmeId = programmeId();
        String sourceId = demoSourceId();
        int linked = http.post("/api/v1/me/links", alice, java.util.Map.of("sourceId", sourceId)).status();
        assertThat(linked).isIn(201, 409); // 409: another test linked alice already
    }

    private HttpResponse<String> grant(String token, String key, String body) {
        return http.exchange("POST", "/api/v1/me/consents", token, body, WAIT, "Idempotency-Key", key);
    }

    private int consentCount(String token) {
        return http.get("/api/v1/me/consents", token).json().size();
    }

    @Test
    void aRetryGetsTheStoredResponseAndMakesNothingTwice() {
        String key = UUID.randomUUID().toString();
        String body = "{\"programmeId\":\"" + programmeId + "\"}";
        int before = consentCount(alice);

        HttpResponse<String> first = grant(alice, key, body);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        HttpResponse<String> again = grant(alice, key, body);
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(consentCount(alice)).isEqualTo(before + 1);

        // The same key on another request is refused and changes nothing.
        HttpResponse<String> other = grant(alice, key, "{\"programmeId\":\"" + programmeId
                + "\",\"purposes\":[\"dpv:ScientificResearch\"]}");
        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(other.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(OperatorHttp.JSON.readTree(other.body()).get("type").asText())
                .isEqualTo("urn:mydata-operator:problem:idempotency-key-reused");
        String consentId = OperatorHttp.JSON.readTree(first.body()).get("id").asText();
        HttpResponse<String> elsewhere = http.exchange("POST", "/api/v1/me/consents/" + consentId + "/status", alice,
                "{\"status\":\"paused\"}", WAIT, "Idempotency-Key", key);
        assertThat(elsewhere.statusCode()).isEqualTo(422);
        assertThat(consentCount(alice)).isEqualTo(before + 1);
        assertThat(http.get("/api/v1/me/consents/" + consentId, alice).json().get("status").asText()).isEqualTo("active");
    }

    /**
     * A request sent after the earlier one with its key was answered is answered from the stored response, never
     * "in progress": the key is released when the answer is stored, not after it was sent. Each request on a
     * connection of its own, so the server may start the next before the previous one's thread has finished.
     */
    @Test
    void aRequestAfterTheAnswerIsNeverInProgress() {
        String key = UUID.randomUUID().toString();
        String body = "{\"programmeId\":\"" + programmeId + "\"}";
        HttpResponse<String> first = grant(alice, key, body);
        assertThat(first.statusCode()).as(first.body()).isIn(201, 409);
        for (int i = 0; i < 30; i++) {
            int port = java.net.URI.create(http.base()).getPort();
            HttpResponse<String> again = new OperatorHttp(port).exchange("POST", "/api/v1/me/consents", alice,
                    body, WAIT, "Idempotency-Key", key);
            assertThat(again.statusCode()).as("round " + i + ": " + again.body()).isEqualTo(first.statusCode());
            assertThat(again.body()).doesNotContain("idempotency-in-progress");
        }
    }

    @Test
    void keysBelongToTheirCaller() {
        String bob = bob();
        assertThat(http.post("/api/v1/me/links", bob, java.util.Map.of("sourceId", demoSourceId())).status())
                .isIn(201, 409);
        String key = UUID.randomUUID().toString();
        String body = "{\"programmeId\":\"" + programmeId + "\"}";
        int bobsBefore = consentCount(bob);

        HttpResponse<String> alices = grant(alice, key, body);
        HttpResponse<String> bobs = grant(bob, key, body);
        assertThat(alices.statusCode()).isEqualTo(201);
        assertThat(bobs.statusCode()).as(bobs.body()).isEqualTo(201);
        assertThat(bobs.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(OperatorHttp.JSON.readTree(bobs.body()).get("id").asText())
                .isNotEqualTo(OperatorHttp.JSON.readTree(alices.body()).get("id").asText());
        assertThat(consentCount(bob)).isEqualTo(bobsBefore + 1);
        // A status change keyed by bob does not see alice's response.
        String bobsConsent = OperatorHttp.JSON.readTree(bobs.body()).get("id").asText();
        HttpResponse<String> paused = http.exchange("POST", "/api/v1/me/consents/" + bobsConsent + "/status", bob,
                "{\"status\":\"paused\"}", WAIT, "Idempotency-Key", UUID.randomUUID().toString());
        assertThat(paused.statusCode()).isEqualTo(200);
        assertThat(OperatorHttp.JSON.readTree(paused.body()).get("status").asText()).isEqualTo("paused");
    }

    @Test
    void concurrentRequestsWithOneKeyMakeOneChange() throws Exception {
        String key = UUID.randomUUID().toString();
        String body = "{\"programmeId\":\"" + programmeId + "\"}";
        int before = consentCount(alice);
        int callers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return grant(alice, key, body);
                }));
            }
            start.countDown();
            List<String> created = new ArrayList<>();
            int originals = 0;
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get();
                assertThat(response.statusCode()).as(response.body()).isIn(201, 409);
                if (response.statusCode() == 201) {
                    created.add(OperatorHttp.JSON.readTree(response.body()).get("id").asText());
                    if (response.headers().firstValue("Idempotent-Replayed").isEmpty()) {
                        originals++;
                    }
                } else {
                    JsonNode problem = OperatorHttp.JSON.readTree(response.body());
                    assertThat(problem.get("type").asText()).isEqualTo("urn:mydata-operator:problem:idempotency-in-progress");
                    assertThat(response.headers().firstValue("Retry-After")).isPresent();
                }
            }
            assertThat(originals).isEqualTo(1);
            assertThat(created).isNotEmpty().allMatch(created.get(0)::equals);
        } finally {
            pool.shutdownNow();
        }
        assertThat(consentCount(alice)).isEqualTo(before + 1);
        // Once the first has been answered, a retry gets its stored response.
        assertThat(grant(alice, key, body).headers().firstValue("Idempotent-Replayed")).hasValue("true");
    }

    @Test
    void aKeyMustBeVisibleAsciiAndRequestsWithoutOneAreUnchanged() {
        HttpResponse<String> bad = grant(alice, "x".repeat(256), "{\"programmeId\":\"" + programmeId + "\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(OperatorHttp.JSON.readTree(bad.body()).get("type").asText())
                .isEqualTo("urn:mydata-operator:problem:invalid-idempotency-key");
        int before = consentCount(alice);
        OperatorHttp.Reply first = http.post("/api/v1/me/consents", alice, java.util.Map.of("programmeId", programmeId));
        assertThat(first.status()).isEqualTo(201);
        // Without a key a repeat is still harmless: one live consent per programme answers it with the first.
        OperatorHttp.Reply again = http.post("/api/v1/me/consents", alice, java.util.Map.of("programmeId", programmeId));
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(consentCount(alice)).isEqualTo(before + 1);
    }

    /**
     * A programme of the test's own: a person holds one live consent per programme, so each test's first grant
     * is a new consent whatever other tests gave before.
     */
    private String programmeId() {
        OperatorHttp.Reply made = http.post("/api/v1/programmes", admin(), java.util.Map.of(
                "name", "Idempotency programme " + UUID.randomUUID(), "description", "d", "organisation", "o",
                "purposes", List.of("dpv:ScientificResearch"),
                "scope", java.util.Map.of("resourceTypes", List.of("Observation")),
                "termsUri", "https://example.org/terms", "termsVersion", "1", "stewards", List.of("steward-demo")));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        return made.json().get("id").asText();
    }

    private String demoSourceId() {
        for (JsonNode source : http.get("/api/v1/sources", admin()).json()) {
            if (source.get("name").asText().equals(DemoConfig.DEMO_SOURCE_NAME)) {
                return source.get("id").asText();
            }
        }
        throw new IllegalStateException("no demo source");
    }
}
