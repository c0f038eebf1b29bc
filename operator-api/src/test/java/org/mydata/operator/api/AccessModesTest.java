package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Access modes over the real API and the real gateway (issue 20, item 1): a programme offers modes, a request asks
 * for one and its permit is issued in it, a person's consent allows some; a statistics permit reads no records at
 * any endpoint, and a records permit reads nobody whose consent allows only statistics.
 */
class AccessModesTest extends OperatorTestBase {
    private ResearchFixtures fixtures;

    @BeforeEach
    void roles() {
        fixtures = new ResearchFixtures(http);
    }

    private OperatorHttp.Reply createProgramme(Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(Map.of("name", "Modes programme " + UUID.randomUUID(),
                "description", "d", "organisation", "Test Foundation", "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Patient", "Observation", "Condition")),
                "termsUri", "https://example.org/t", "termsVersion", "1", "stewards", List.of("steward-demo")));
        body.putAll(extra);
        return http.post("/api/v1/programmes", fixtures.admin, body);
    }

    private String programme(List<String> modes) {
        OperatorHttp.Reply created = createProgramme(Map.of("accessModes", modes));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("id").asText();
    }

    private OperatorHttp.Reply request(String programme, String mode) {
        Map<String, Object> body = new HashMap<>(Map.of("programmeId", programme, "title", "Modes study",
                "organisation", "Test University", "purpose", "dpv:AcademicResearch",
                "scope", Map.of("resourceTypes", List.of("Patient", "Observation")), "justification", "Testing modes",
                "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        if (mode != null) {
            body.put("accessMode", mode);
        }
        return http.post("/api/v1/requests", fixtures.researcher, body);
    }

    private String approve(OperatorHttp.Reply request) {
        assertThat(request.status()).as(request.body()).isEqualTo(201);
        OperatorHttp.Reply decided = http.post("/api/v1/requests/" + request.json().get("id").asText() + "/decision",
                fixtures.steward, Map.of("decision", "approve"));
        assertThat(decided.status()).as(decided.body()).isEqualTo(200);
        return decided.json().get("permitId").asText();
    }

    private OperatorHttp.Reply consent(String citizen, String programme, List<String> modes) {
        Map<String, Object> body = new HashMap<>(Map.of("programmeId", programme,
                "sourceIds", List.of(fixtures.demoSource)));
        if (modes != null) {
            body.put("accessModes", modes);
        }
        return http.post("/api/v1/me/consents", citizen, body);
    }

    private static JsonNode payload(String jws) {
        return OperatorHttp.JSON.readTree(new String(Base64.getUrlDecoder().decode(jws.split("\\.")[1]),
                StandardCharsets.UTF_8));
    }

    @Test
    void aProgrammeDeclaresItsModesAndSettingsAndTheCatalogueShowsThem() {
        OperatorHttp.Reply created = createProgramme(Map.of("accessModes", List.of("statistics"),
                "disclosure", Map.of("minimumCellSize", 20, "answersPerDay", 50)));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().get("id").asText();
        JsonNode listed = null;
        for (JsonNode p : http.get("/api/v1/programmes", null).json()) {
            if (p.get("id").asText().equals(id)) {
                listed = p;
            }
        }
        assertThat(listed).as("the public catalogue lists it").isNotNull();
        assertThat(listed.get("accessModes").toString()).isEqualTo("[\"statistics\"]");
        assertThat(listed.at("/disclosure/minimumCellSize").asInt()).isEqualTo(20);
        assertThat(listed.at("/disclosure/answersPerDay").asInt()).isEqualTo(50);
        assertThat(listed.at("/disclosure/dominanceShare").asDouble()).as("a setting left out takes its default")
                .isEqualTo(0.6);
        assertThat(listed.at("/disclosure/recordsK").asInt()).isEqualTo(5);

        OperatorHttp.Reply plain = createProgramme(Map.of());
        assertThat(plain.json().get("accessModes").toString()).as("both when not given")
                .isEqualTo("[\"statistics\",\"records\"]");
        assertThat(plain.json().at("/disclosure/minimumCellSize").asInt()).isEqualTo(10);

        for (Map<String, Object> wrong : List.<Map<String, Object>>of(Map.of("accessModes", List.of()),
                Map.of("accessModes", List.of("aggregates")))) {
            OperatorHttp.Reply refused = createProgramme(wrong);
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertThat(refused.json().get("field").asText()).isEqualTo("accessModes");
        }
        OperatorHttp.Reply tooSmall = createProgramme(Map.of("disclosure", Map.of("minimumCellSize", 1)));
        assertThat(tooSmall.status()).as(tooSmall.body()).isEqualTo(422);
        assertThat(tooSmall.json().get("field").asText()).isEqualTo("disclosure.minimumCellSize");
        OperatorHttp.Reply share = createProgramme(Map.of("disclosure", Map.of("dominanceShare", 1.5)));
        assertThat(share.status()).isEqualTo(422);
        assertThat(share.json().get("field").asText()).isEqualTo("disclosure.dominanceShare");
    }

    @Test
    void aRequestAsksForOneModeItsProgrammeOffersAndThePermitStatesIt() {
        String both = programme(List.of("statistics", "records"));
        OperatorHttp.Reply unnamed = request(both, null);
        assertThat(unnamed.json().get("accessMode").asText()).as("records when not named").isEqualTo("records");
        String recordsPermit = approve(unnamed);
        JsonNode permit = http.get("/api/v1/permits/" + recordsPermit, fixtures.researcher).json();
        assertThat(permit.get("accessMode").asText()).isEqualTo("records");
        assertThat(payload(permit.get("record").asText()).get("access_mode").asText()).isEqualTo("records");

        String statisticsPermit = approve(request(both, "statistics"));
        permit = http.get("/api/v1/permits/" + statisticsPermit, fixtures.researcher).json();
        assertThat(permit.get("accessMode").asText()).isEqualTo("statistics");
        assertThat(payload(permit.get("record").asText()).get("access_mode").asText()).isEqualTo("statistics");

        String statisticsOnly = programme(List.of("statistics"));
        for (String mode : new String[] {null, "records", "everything"}) {
            OperatorHttp.Reply refused = request(statisticsOnly, mode);
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertThat(refused.json().get("field").asText()).isEqualTo("accessMode");
        }
        assertThat(request(statisticsOnly, "statistics").status()).isEqualTo(201);
    }

    @Test
    void aConsentStatesItsModesInItsRecordAndItsTextAndAsksOnlyForOfferedOnes() {
        String both = programme(List.of("statistics", "records"));
        String alice = fixtures.citizen("alice");
        OperatorHttp.Reply given = consent(alice, both, List.of("statistics"));
        assertThat(given.status()).as(given.body()).isEqualTo(201);
        assertThat(given.json().get("accessModes").toString()).isEqualTo("[\"statistics\"]");
        assertThat(payload(given.json().get("record").asText()).get("access_modes").toString())
                .isEqualTo("[\"statistics\"]");
        assertThat(given.json().get("text").asText()).contains("Researchers may receive only statistics");

        String other = programme(List.of("statistics", "records"));
        OperatorHttp.Reply records = consent(alice, other, List.of("records"));
        assertThat(records.status()).as(records.body()).isEqualTo(201);
        assertThat(payload(records.json().get("record").asText()).get("access_modes").toString())
                .as("records bring statistics with them").isEqualTo("[\"statistics\",\"records\"]");
        assertThat(records.json().get("text").asText()).contains("pseudonymised records")
                .doesNotContain("anonymous data").doesNotContain("anonymised");

        String plain = programme(List.of("statistics", "records"));
        OperatorHttp.Reply unnamed = consent(alice, plain, null);
        assertThat(unnamed.status()).isEqualTo(201);
        assertThat(unnamed.json().get("accessModes").toString()).as("left out: the programme's offer, stated")
                .isEqualTo("[\"statistics\",\"records\"]");

        String statisticsOnly = programme(List.of("statistics"));
        for (List<String> wrong : List.of(List.of("records"), List.of("statistics", "records"), List.of("all"),
                List.<String>of())) {
            OperatorHttp.Reply refused = consent(alice, statisticsOnly, wrong);
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertThat(refused.json().get("field").asText()).isEqualTo("accessModes");
        }
        OperatorHttp.Reply statisticsOnlyConsent = consent(alice, statisticsOnly, null);
        assertThat(statisticsOnlyConsent.json().get("accessModes").toString()).isEqualTo("[\"statistics\"]");
    }

    @Test
    void aRecordsPermitReadsNobodyWhoseConsentAllowsOnlyStatistics() {
        String programme = programme(List.of("statistics", "records"));
        String alice = fixtures.citizen("alice");
        String carol = fixtures.citizen("carol");
        assertThat(consent(alice, programme, List.of("statistics")).status()).isEqualTo(201);
        assertThat(consent(carol, programme, List.of("statistics", "records")).status()).isEqualTo(201);
        String permit = approve(request(programme, "records"));
        JsonNode patients = http.get("/fhir/" + permit + "/Patient", fixtures.researcher).json();
        assertThat(patients.get("entry")).as("carol only: alice allowed statistics only").hasSize(1);
    }

    @Test
    void aStatisticsPermitGetsNoRecordsAtAnyGatewayEndpoint() {
        String programme = programme(List.of("statistics", "records"));
        String bob = fixtures.citizen("bob");
        assertThat(consent(bob, programme, List.of("statistics", "records")).status()).isEqualTo(201);
        String permit = approve(request(programme, "statistics"));
        String base = "/fhir/" + permit;
        String token = fixtures.researcher;

        // A records permit of the same programme, to learn real addresses (an id, a job's status and file URLs).
        String recordsPermit = approve(request(programme, "records"));
        String patientId = http.get("/fhir/" + recordsPermit + "/Patient", token).json().at("/entry/0/resource/id")
                .asText();
        assertThat(patientId).isNotEmpty();

        List<HttpResponse<String>> refused = new ArrayList<>();
        refused.add(send("GET", base + "/Patient", token, null));
        refused.add(send("GET", base + "/Observation?_count=10", token, null));
        refused.add(send("GET", base + "/Patient/" + patientId, token, null));
        refused.add(send("GET", base + "/Patient?_id=" + patientId, token, null));
        refused.add(send("POST", base + "/Observation/_search", token, "_count=5",
                "Content-Type", "application/x-www-form-urlencoded"));
        refused.add(send("GET", base + "/$export", token, null, "Prefer", "respond-async"));
        refused.add(send("GET", base + "/Patient/$export", token, null, "Prefer", "respond-async"));
        refused.add(send("GET", base + "/Group/" + permit + "/$export", token, null, "Prefer", "respond-async"));
        refused.add(send("GET", base + "/$export-poll-status?_jobId=" + UUID.randomUUID(), token, null));
        refused.add(send("DELETE", base + "/$export-poll-status?_jobId=" + UUID.randomUUID(), token, null));
        refused.add(send("GET", base + "/$export-file?_jobId=" + UUID.randomUUID() + "&file=Patient-1.ndjson", token,
                null));
        for (HttpResponse<String> reply : refused) {
            assertThat(reply.statusCode()).as(reply.request().method() + " " + reply.request().uri() + ": "
                    + reply.body()).isEqualTo(403);
            assertThat(reply.body()).contains("OperationOutcome").contains("\"forbidden\"")
                    .contains("statistics only").doesNotContain("\"Patient\",\"id\"");
        }

        // The gateway has no history: HAPI answers so before the permit is looked at, and releases nothing.
        HttpResponse<String> history = send("GET", base + "/Patient/" + patientId + "/_history", token, null);
        assertThat(history.statusCode()).isEqualTo(400);
        assertThat(history.body()).contains("not-supported").doesNotContain("\"resourceType\":\"Patient\"");

        // Its CapabilityStatement and the SMART discovery still answer, so a client can learn what the base is.
        HttpResponse<String> metadata = send("GET", base + "/metadata", token, null);
        assertThat(metadata.statusCode()).as(metadata.body()).isEqualTo(200);
        assertThat(metadata.body()).contains("CapabilityStatement");
        assertThat(send("GET", base + "/.well-known/smart-configuration", null, null).statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> send(String method, String path, String token, String body, String... headers) {
        List<String> all = new ArrayList<>(List.of("Accept", "application/fhir+json"));
        all.addAll(List.of(headers));
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(http.base() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < all.size(); i += 2) {
            request.header(all.get(i), all.get(i + 1));
        }
        try {
            return java.net.http.HttpClient.newHttpClient().send(request.build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
