package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.demo.DemoConfig;
import tools.jackson.databind.JsonNode;

/** Issue 15 item 4 through the REST API: POST /me/consents keeps one live consent per person and programme. */
class OneConsentPerProgrammeApiTest extends OperatorTestBase {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private String programme() {
        OperatorHttp.Reply made = http.post("/api/v1/programmes", admin(), Map.of(
                "name", "One consent " + UUID.randomUUID(), "description", "d", "organisation", "o",
                "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Observation", "Condition")),
                "termsUri", "https://example.org/terms", "termsVersion", "1", "stewards", List.of("steward-demo"),
                "promises", List.of("non-commercial")));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        assertThat(made.json().get("promises").get(0).get("code").asText()).isEqualTo("non-commercial");
        return made.json().get("id").asText();
    }

    private String linkedAlice() {
        String alice = alice();
        String source = null;
        for (JsonNode s : http.get("/api/v1/sources", admin()).json()) {
            if (s.get("name").asText().equals(DemoConfig.DEMO_SOURCE_NAME)) {
                source = s.get("id").asText();
            }
        }
        assertThat(http.post("/api/v1/me/links", alice, Map.of("sourceId", source)).status()).isIn(201, 409);
        return alice;
    }

    @Test
    void aRepeatIsAnsweredWithTheLiveConsentAndOtherTermsAreAProblemPointingAtIt() {
        String alice = linkedAlice();
        String programme = programme();
        Map<String, Object> whole = Map.of("programmeId", programme);

        HttpResponse<String> first = http.exchange("POST", "/api/v1/me/consents", alice,
                "{\"programmeId\":\"" + programme + "\"}", WAIT);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        String id = OperatorHttp.JSON.readTree(first.body()).get("id").asText();
        assertThat(first.headers().firstValue("Location")).hasValue("/api/v1/me/consents/" + id);

        HttpResponse<String> again = http.exchange("POST", "/api/v1/me/consents", alice,
                "{\"programmeId\":\"" + programme + "\"}", WAIT);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(OperatorHttp.JSON.readTree(again.body()).get("id").asText()).isEqualTo(id);
        assertThat(again.headers().firstValue("Location")).hasValue("/api/v1/me/consents/" + id);

        OperatorHttp.Reply narrower = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme,
                "scope", Map.of("resourceTypes", List.of("Observation"))));
        assertThat(narrower.status()).isEqualTo(409);
        assertThat(narrower.contentType()).startsWith("application/problem+json");
        JsonNode problem = narrower.json();
        assertThat(problem.get("type").asText()).isEqualTo("urn:mydata-operator:problem:consent-exists");
        assertThat(problem.get("title").asText()).isEqualTo("Consent already given");
        assertThat(problem.get("existingConsentId").asText()).isEqualTo(id);
        assertThat(problem.get("existingConsentStatus").asText()).isEqualTo("active");
        assertThat(problem.get("existingConsent").asText()).isEqualTo("/api/v1/me/consents/" + id);
        assertThat(problem.get("detail").asText()).contains("one consent per programme", "withdraw");
        assertThat(countFor(alice, programme)).isEqualTo(1);

        // Withdrawn, it no longer stands in the way: the new terms are a new consent.
        assertThat(http.post("/api/v1/me/consents/" + id + "/status", alice, Map.of("status", "withdrawn")).status())
                .isEqualTo(200);
        OperatorHttp.Reply anew = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme,
                "scope", Map.of("resourceTypes", List.of("Observation"))));
        assertThat(anew.status()).as(anew.body()).isEqualTo(201);
        assertThat(anew.json().get("id").asText()).isNotEqualTo(id);
        assertThat(http.post("/api/v1/me/consents", alice, whole).status()).isEqualTo(409);
    }

    @Test
    void simultaneousGrantsMakeOneConsent() throws Exception {
        String alice = linkedAlice();
        String programme = programme();
        int callers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<HttpResponse<String>> answers = new ArrayList<>();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return http.exchange("POST", "/api/v1/me/consents", alice,
                            "{\"programmeId\":\"" + programme + "\"}", WAIT);
                }));
            }
            start.countDown();
            for (Future<HttpResponse<String>> f : futures) {
                answers.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        Set<String> ids = new HashSet<>();
        int created = 0;
        for (HttpResponse<String> a : answers) {
            assertThat(a.statusCode()).as(a.body()).isIn(200, 201);
            created += a.statusCode() == 201 ? 1 : 0;
            ids.add(OperatorHttp.JSON.readTree(a.body()).get("id").asText());
        }
        assertThat(created).isEqualTo(1);
        assertThat(ids).hasSize(1);
        assertThat(countFor(alice, programme)).isEqualTo(1);
    }

    private long countFor(String token, String programme) {
        List<JsonNode> mine = new ArrayList<>();
        http.get("/api/v1/me/consents", token).json().forEach(mine::add);
        return mine.stream().filter(c -> c.get("programmeId").asText().equals(programme)).count();
    }
}
