package org.mydata.operator.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Fault;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import tools.jackson.databind.JsonNode;

/**
 * Anything uncertain upstream fails closed: a clear OperationOutcome, and no data, not even the part
 * that another source did deliver.
 */
class GatewayFaultsTest extends OperatorTestBase {
    private static WireMockServer source;
    private String researcher;
    private String permit;
    private int eventsBefore;
    private String alice;

    @BeforeAll
    static void startSource() {
        source = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        source.start();
    }

    @AfterAll
    static void stopSource() {
        source.stop();
    }

    @BeforeEach
    void aliceConsentsThroughTwoSources() {
        source.resetAll();
        PersonIdentifier identifier = DemoFhirSource.demoPersons(1).get(0).identifier();
        source.stubFor(get(urlPathEqualTo("/fhir/Patient")).willReturn(fhir("{\"resourceType\":\"Bundle\","
                + "\"type\":\"searchset\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"wm-alice\","
                + "\"identifier\":[{\"system\":\"" + identifier.system() + "\",\"value\":\"" + identifier.value()
                + "\"}]}}]}")));
        String admin = admin();
        String steward = http.clientToken("steward-demo", "steward-demo-secret", "steward");
        researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
        String mocked = http.post("/api/v1/sources", admin, Map.of("name", "Mocked hospital " + UUID.randomUUID(),
                "fhirBaseUrl", source.baseUrl() + "/fhir")).json().get("id").asText();
        String demo = null;
        for (JsonNode s : http.get("/api/v1/sources", admin).json()) {
            if (s.get("name").asText().equals("Demo Hospital (Synthea)")) {
                demo = s.get("id").asText();
            }
        }
        alice = alice();
        OperatorHttp.Reply linked = http.post("/api/v1/me/links", alice, Map.of("sourceId", mocked));
        assertThat(linked.status()).as(linked.body()).isEqualTo(201);
        if (http.get("/api/v1/me/links", alice).body().indexOf(demo) < 0) {
            http.post("/api/v1/me/links", alice, Map.of("sourceId", demo));
        }
        String programme = http.post("/api/v1/programmes", admin, Map.of("name", "Faults " + UUID.randomUUID(),
                "description", "d", "organisation", "o", "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Observation")), "termsUri", "https://example.org/t",
                "termsVersion", "1", "stewards", List.of("steward-demo"))).json().get("id").asText();
        OperatorHttp.Reply consent = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme,
                "sourceIds", List.of(mocked, demo)));
        assertThat(consent.status()).as(consent.body()).isEqualTo(201);
        String request = http.post("/api/v1/requests", researcher, Map.of("programmeId", programme, "title", "Faults",
                "purpose", "dpv:ScientificResearch", "scope", Map.of("resourceTypes", List.of("Observation")),
                "justification", "j", "validUntil", Instant.now().plus(1, ChronoUnit.DAYS).toString()))
                .json().get("id").asText();
        permit = http.post("/api/v1/requests/" + request + "/decision", steward, Map.of("decision", "approve"))
                .json().get("permitId").asText();
        eventsBefore = http.get("/api/v1/me/access-log", alice).json().size();
    }

    @Test
    void anUpstreamErrorReleasesNothingEvenWhenAnotherSourceAnswered() {
        source.stubFor(get(urlPathEqualTo("/fhir/Observation")).willReturn(aResponse().withStatus(500)));
        assertRefused(502, "answered with HTTP status 500");
    }

    @Test
    void aTimeoutReleasesNothing() {
        source.stubFor(get(urlPathEqualTo("/fhir/Observation")).willReturn(fhir("{}").withFixedDelay(6_000)));
        assertRefused(504, "did not answer in time");
    }

    @Test
    void anAnswerOverTheByteCapReleasesNothing() {
        // A valid beginning, then a string that runs past the cap (4 MB in the tests).
        source.stubFor(get(urlPathEqualTo("/fhir/Observation")).willReturn(fhir("{\"resourceType\":\"Bundle\","
                + "\"type\":\"searchset\",\"id\":\"" + "a".repeat(5 * 1024 * 1024) + "\"}")));
        assertRefused(502, "larger than the limit of 4194304 bytes");
    }

    @Test
    void endlessPagingStopsAtThePageCapAndReleasesNothing() {
        // Every page links to a next page never seen before, so only the cap (50 in the tests) ends it.
        source.stubFor(get(urlPathEqualTo("/fhir/Observation")).willReturn(fhir("{\"resourceType\":\"Bundle\","
                + "\"type\":\"searchset\",\"link\":[{\"relation\":\"next\",\"url\":\"" + source.baseUrl()
                + "/fhir/Observation?page={{randomValue type='UUID'}}\"}]}").withTransformers("response-template")));
        assertRefused(502, "kept paging past the limit of 50 pages");
        assertThat(source.countRequestsMatching(getRequestedFor(urlPathEqualTo("/fhir/Observation")).build())
                .getCount()).isEqualTo(50);
    }

    @Test
    void aResetConnectionReleasesNothing() {
        source.stubFor(get(urlPathEqualTo("/fhir/Observation")).willReturn(aResponse()
                .withFault(Fault.CONNECTION_RESET_BY_PEER)));
        assertRefused(502, "Mocked hospital");
    }

    @Test
    void aMalformedBodyReleasesNothing() {
        source.stubFor(get(urlPathEqualTo("/fhir/Observation")).willReturn(fhir("{\"resourceType\": \"Bund")));
        assertRefused(502, "Mocked hospital");
        source.stubFor(get(urlPathEqualTo("/fhir/Observation")).willReturn(fhir("{\"resourceType\":\"Bundle\","
                + "\"type\":\"searchset\",\"entry\":[{\"resource\":{\"resourceType\":\"Condition\",\"id\":\"c1\"}}]}")));
        assertRefused(502, "other content");
    }

    @Test
    void resourcesWithoutAResolvableSubjectAreDropped() {
        source.stubFor(get(urlPathEqualTo("/fhir/Observation")).willReturn(fhir("{\"resourceType\":\"Bundle\","
                + "\"type\":\"searchset\",\"entry\":["
                + "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
                + "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/wm-alice\"}}},"
                + "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o2\",\"status\":\"final\","
                + "\"code\":{\"text\":\"x\"}}},"
                + "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o3\",\"status\":\"final\","
                + "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/someone-else\"}}},"
                + "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o4\",\"status\":\"final\","
                + "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"https://elsewhere.example/Patient/wm-alice\"}}}"
                + "]}")));
        OperatorHttp.Reply reply = http.get("/fhir/" + permit + "/Observation?_count=500", researcher);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<String> ids = reply.json().get("entry").valueStream()
                .map(e -> e.get("resource").get("id").asText()).toList();
        // What the permit releases of the demo person's Observations: those of its scope's (default) categories.
        int fromDemo = http.get("/demo-source/fhir/Observation?patient="
                + DemoFhirSource.demoPersons(1).get(0).patientId() + "&category=vital-signs,laboratory&_summary=count",
                null).json().get("total").asInt();
        // o1 has a resolvable subject but no category and no coded code, so the permit withholds it like the rest.
        assertThat(ids).hasSize(fromDemo).doesNotContain("o1", "o2", "o3", "o4", "wm-alice");
        assertThat(reply.body()).doesNotContain("wm-alice").doesNotContain("someone-else");
    }

    private void assertRefused(int status, String detail) {
        OperatorHttp.Reply reply = http.get("/fhir/" + permit + "/Observation", researcher);
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        JsonNode outcome = reply.json();
        assertThat(outcome.get("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(outcome.get("issue").get(0).get("diagnostics").asText()).contains(detail).contains("Nothing was released");
        assertThat(reply.body()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(http.get("/api/v1/me/access-log", alice).json().size()).isEqualTo(eventsBefore);
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder fhir(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/fhir+json").withBody(body);
    }
}
