package org.mydata.operator.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.nimbusds.jose.jwk.RSAKey;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.api.gateway.GatewayConfig;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * FHIR Bulk Data export through the gateway, over real HTTP with the async request pattern: kick-off,
 * polling, manifest, NDJSON files, delete; only the permit's researcher; a download honours a withdrawal
 * that came after the export; an upstream failure ends the job without a result. Each test builds its own
 * programme, so the cohort is exactly the persons the test let in.
 */
class BulkExportTest extends OperatorTestBase {
    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static WireMockServer mocked;

    @Autowired
    RSAKey tokenSigningKey;

    @Autowired
    OperatorProperties properties;

    private String admin;
    private String researcher;
    private String steward;
    private String demoSource;
    private List<DemoPerson> persons;

    @BeforeAll
    static void startMockedSource() {
        mocked = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        mocked.start();
    }

    @AfterAll
    static void stopMockedSource() {
        mocked.stop();
    }

    private ResearchFixtures fixtures;

    @BeforeEach
    void roles() {
        fixtures = new ResearchFixtures(http);
        admin = fixtures.admin;
        researcher = fixtures.researcher;
        steward = fixtures.steward;
        demoSource = fixtures.demoSource;
        persons = DemoFhirSource.demoPersons(3);
    }

    private String programme(List<String> types) {
        return fixtures.programme(types);
    }

    private String citizen(String name) {
        return fixtures.citizen(name);
    }

    private String approvedPermit(String programme, List<String> types) {
        return fixtures.approvedPermit(programme, types, "Export study");
    }

    private String token(String subject) {
        return ResearchFixtures.mintedToken(tokenSigningKey, subject, List.of("researcher"), Instant.now().plusSeconds(300));
    }

    @Test
    void aKickOffIsAsynchronousAndAsksOnlyForWhatThePermitCovers() {
        String programme = programme(List.of("Patient", "Observation", "Condition"));
        String permit = approvedPermit(programme, List.of("Patient", "Observation"));
        String base = http.base() + "/fhir/" + permit;

        HttpResponse<String> noPrefer = send("GET", base + "/$export", researcher);
        assertThat(noPrefer.statusCode()).isEqualTo(400);
        assertThat(noPrefer.body()).contains("OperationOutcome").contains("respond-async");
        assertThat(send("GET", base + "/$export?_type=Condition", researcher, "Prefer", "respond-async")
                .body()).contains("does not cover Condition");
        assertThat(send("GET", base + "/$export?_type=Condition", researcher, "Prefer", "respond-async")
                .statusCode()).isEqualTo(400);
        assertThat(send("GET", base + "/$export?_outputFormat=text/csv", researcher, "Prefer", "respond-async")
                .statusCode()).isEqualTo(400);
        assertThat(send("GET", base + "/$export?patient=Patient/x", researcher, "Prefer", "respond-async")
                .statusCode()).isEqualTo(400);
        // The permit's one Group is its cohort, named by the permit's id; no other group exists here.
        assertThat(send("GET", base + "/Group/g1/$export", researcher, "Prefer", "respond-async").statusCode())
                .isEqualTo(404);
        // Someone else's permit, or none: nothing to see, before anything else is looked at.
        assertThat(send("GET", base + "/$export", token("other-researcher"), "Prefer", "respond-async").statusCode())
                .isEqualTo(404);
        assertThat(send("GET", http.base() + "/fhir/" + UUID.randomUUID() + "/$export", researcher,
                "Prefer", "respond-async").statusCode()).isEqualTo(404);
        assertThat(send("GET", base + "/$export-poll-status?_jobId=" + UUID.randomUUID(), researcher).statusCode())
                .isEqualTo(404);
        JsonNode metadata = http.get("/fhir/" + permit + "/metadata", researcher).json();
        assertThat(metadata.toString()).contains("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export");
        // The permit's types, and its one Group, for Group export.
        assertThat(metadata.get("rest").get(0).get("resource").valueStream().map(r -> r.get("type").asText()))
                .containsExactlyInAnyOrder("Patient", "Observation", "Group");
        // Each permit's statement is its own, however soon after another's it is asked for.
        String wider = approvedPermit(programme, List.of("Patient", "Observation", "Condition"));
        assertThat(http.get("/fhir/" + wider + "/metadata", researcher).json().get("rest").get(0).get("resource")
                .valueStream().map(r -> r.get("type").asText()))
                .containsExactlyInAnyOrder("Patient", "Observation", "Condition", "Group");

        // Nobody consented yet: the export ends with nothing to give. A revoked permit ends the job's URLs.
        HttpResponse<String> kickOff = send("GET", base + "/$export?_type=Observation", researcher,
                "Prefer", "respond-async");
        assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
        String status = kickOff.headers().firstValue("Content-Location").orElseThrow();
        HttpResponse<String> empty = poll(status, researcher);
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(200);
        assertThat(OperatorHttp.JSON.readTree(empty.body()).get("output").size()).isZero();
        assertThat(http.post("/api/v1/permits/" + permit + "/revoke", steward, Map.of("reason", "done")).status())
                .isEqualTo(200);
        HttpResponse<String> revoked = send("GET", status, researcher);
        assertThat(revoked.statusCode()).isEqualTo(404);
        assertThat(revoked.body()).contains("OperationOutcome").doesNotContain(permit);
    }

    @Test
    void anExportHoldsWhatASearchReleasesAndADownloadHonoursALaterWithdrawal() throws Exception {
        String programme = programme(List.of("Patient", "Observation", "Condition"));
        String alice = citizen("alice");
        String carol = citizen("carol");
        consent(alice, programme, demoSource);
        String carolConsent = consent(carol, programme, demoSource);
        List<String> types = List.of("Patient", "Observation", "Condition");
        String permit = approvedPermit(programme, types);
        String base = http.base() + "/fhir/" + permit;
        Map<String, Integer> searched = new HashMap<>();
        for (String type : types) {
            OperatorHttp.Reply reply = http.get("/fhir/" + permit + "/" + type + "?_count=1", researcher);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            searched.put(type, reply.json().get("total").asInt());
        }
        assertThat(searched.get("Patient")).isEqualTo(2);
        assertThat(searched.get("Observation")).isPositive();

        HttpResponse<String> kickOff = send("GET", base + "/Patient/$export?_outputFormat=application%2Ffhir%2Bndjson",
                researcher, "Prefer", "respond-async");
        assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
        String status = kickOff.headers().firstValue("Content-Location").orElseThrow();
        assertThat(status).startsWith(base + "/$export-poll-status?_jobId=");
        HttpResponse<String> done = poll(status, researcher);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        JsonNode manifest = OperatorHttp.JSON.readTree(done.body());
        assertThat(manifest.get("requiresAccessToken").asBoolean()).isTrue();
        assertThat(manifest.get("request").asText()).contains("/Patient/$export");
        assertThat(Instant.parse(manifest.get("transactionTime").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(manifest.get("error").size()).isZero();
        Map<String, String> files = new HashMap<>();
        for (JsonNode output : manifest.get("output")) {
            String type = output.get("type").asText();
            assertThat(output.get("count").asInt()).as(type).isEqualTo(searched.get(type));
            assertThat(output.get("url").asText()).startsWith(base + "/$export-file?_jobId=");
            files.put(type, output.get("url").asText());
        }
        assertThat(files.keySet()).containsExactlyInAnyOrderElementsOf(types);

        int aliceEvents = http.get("/api/v1/me/access-log", alice).json().size();
        Map<String, List<Resource>> downloaded = new HashMap<>();
        StringBuilder everything = new StringBuilder();
        for (String type : types) {
            HttpResponse<String> file = send("GET", files.get(type), researcher, "Accept", "application/fhir+ndjson");
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(file.headers().firstValue("Content-Type").orElse("")).startsWith("application/fhir+ndjson");
            downloaded.put(type, parse(file.body()));
            everything.append(file.body());
        }
        assertThat(downloaded.get("Observation")).hasSize(searched.get("Observation"));
        assertThat(downloaded.get("Condition")).hasSize(searched.get("Condition"))
                .allSatisfy(c -> assertThat(c).isInstanceOf(Condition.class));
        Set<String> patientIds = ids(downloaded.get("Patient"));
        assertThat(subjects(downloaded.get("Observation"))).hasSize(2)
                .containsExactlyInAnyOrderElementsOf(patientIds.stream().map(id -> "Patient/" + id).toList());
        for (DemoPerson person : persons) {
            assertThat(everything).doesNotContain(person.patientId()).doesNotContain(person.identifier().value());
            for (String namePart : person.name().split(" ")) {
                if (namePart.length() > 3) {
                    assertThat(everything).doesNotContain(namePart);
                }
            }
        }
        // One access event per file download, written before the file went out.
        assertThat(http.get("/api/v1/me/access-log", alice).json().size()).isEqualTo(aliceEvents + types.size());

        // Nobody but the permit's researcher learns anything of the job.
        String other = token("other-researcher");
        assertThat(send("GET", status, other).statusCode()).isEqualTo(404);
        assertThat(send("GET", files.get("Observation"), other).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", status, other).statusCode()).isEqualTo(404);

        // Carol withdraws after the export: the files, downloaded again, no longer hold her.
        assertThat(http.post("/api/v1/me/consents/" + carolConsent + "/status", carol, Map.of("status", "withdrawn"))
                .status()).isEqualTo(200);
        List<Resource> patientsAfter = parse(send("GET", files.get("Patient"), researcher).body());
        List<Resource> observationsAfter = parse(send("GET", files.get("Observation"), researcher).body());
        assertThat(patientsAfter).hasSize(1);
        String stillIn = "Patient/" + patientsAfter.get(0).getIdElement().getIdPart();
        assertThat(subjects(observationsAfter)).containsExactly(stillIn);
        int aliceObservations = http.get("/fhir/" + permit + "/Observation?_count=1", researcher).json()
                .get("total").asInt();
        assertThat(observationsAfter).hasSize(aliceObservations).hasSizeLessThan(searched.get("Observation"));

        // DELETE ends the job and its files.
        Path jobDir = exportsDir().resolve(status.substring(status.lastIndexOf('=') + 1));
        assertThat(jobDir).isDirectory();
        assertThat(send("DELETE", status, researcher).statusCode()).isEqualTo(202);
        assertThat(send("GET", status, researcher).statusCode()).isEqualTo(404);
        assertThat(send("GET", files.get("Patient"), researcher).statusCode()).isEqualTo(404);
        assertThat(jobDir).doesNotExist();
    }

    @Test
    void anUpstreamFailureEndsTheJobInErrorWithNothingKept() {
        mocked.resetAll();
        DemoPerson first = persons.get(0);
        mocked.stubFor(WireMock.get(urlPathEqualTo("/fhir/Patient")).willReturn(fhir("{\"resourceType\":\"Bundle\","
                + "\"type\":\"searchset\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"wm-alice\","
                + "\"identifier\":[{\"system\":\"" + first.identifier().system() + "\",\"value\":\""
                + first.identifier().value() + "\"}]}}]}")));
        mocked.stubFor(WireMock.get(urlPathEqualTo("/fhir/Observation")).willReturn(aResponse().withStatus(500)));
        String mockedSource = http.post("/api/v1/sources", admin, Map.of("name", "Export mock " + UUID.randomUUID(),
                "fhirBaseUrl", mocked.baseUrl() + "/fhir")).json().get("id").asText();
        String alice = citizen("alice");
        OperatorHttp.Reply linked = http.post("/api/v1/me/links", alice, Map.of("sourceId", mockedSource));
        assertThat(linked.status()).as(linked.body()).isEqualTo(201);
        String programme = programme(List.of("Observation"));
        OperatorHttp.Reply consent = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme,
                "sourceIds", List.of(demoSource, mockedSource)));
        assertThat(consent.status()).as(consent.body()).isEqualTo(201);
        String permit = approvedPermit(programme, List.of("Observation"));

        HttpResponse<String> kickOff = send("GET", http.base() + "/fhir/" + permit + "/$export", researcher,
                "Prefer", "respond-async");
        assertThat(kickOff.statusCode()).isEqualTo(202);
        String status = kickOff.headers().firstValue("Content-Location").orElseThrow();
        HttpResponse<String> failed = poll(status, researcher);
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(502);
        assertThat(failed.body()).contains("OperationOutcome").contains("HTTP status 500").doesNotContain("output")
                .doesNotContain("Exception");
        assertThat(exportsDir().resolve(status.substring(status.lastIndexOf('=') + 1))).doesNotExist();
    }

    // --- helpers ---------------------------------------------------------------------------------

    /** Polls the status URL until the job has ended, within a bound. */
    private HttpResponse<String> poll(String status, String token) {
        long until = System.nanoTime() + 45_000_000_000L;
        while (true) {
            HttpResponse<String> reply = send("GET", status, token);
            if (reply.statusCode() != 202) {
                return reply;
            }
            assertThat(reply.headers().firstValue("X-Progress")).isPresent();
            assertThat(System.nanoTime()).as("the export ends in time").isLessThan(until);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private Path exportsDir() {
        return properties.dataDir().resolve(GatewayConfig.EXPORTS_DIR);
    }

    private static HttpResponse<String> send(String method, String url, String token, String... headers) {
        return BulkClient.send(method, url, token, null, headers);
    }

    private static List<Resource> parse(String ndjson) {
        IParser parser = FHIR.newJsonParser();
        List<Resource> resources = new ArrayList<>();
        for (String line : ndjson.split("\n")) {
            if (!line.isBlank()) {
                resources.add((Resource) parser.parseResource(line));
            }
        }
        return resources;
    }

    private static Set<String> subjects(List<Resource> observations) {
        Set<String> subjects = new HashSet<>();
        observations.forEach(o -> subjects.add(((Observation) o).getSubject().getReference()));
        return subjects;
    }

    private static Set<String> ids(List<Resource> resources) {
        Set<String> ids = new HashSet<>();
        resources.forEach(r -> {
            assertThat(r).isInstanceOf(Patient.class);
            ids.add(r.getIdElement().getIdPart());
        });
        return ids;
    }
    private String consent(String citizen, String programme, String source) {
        return fixtures.consent(citizen, programme, List.of(source), null);
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder fhir(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/fhir+json").withBody(body);
    }
}
