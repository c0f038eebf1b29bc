package org.mydata.operator.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.api.gateway.GatewayConfig;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * An export's state is in PostgreSQL and its files on the shared data dir: an operator stopped while a job
 * runs lets go of it, and the operator started again on the same data takes it up, runs it to the end and
 * answers its status URL and serves its files.
 */
class ExportRestartTest {

    @Test
    void aJobRunningWhenTheOperatorStopsIsTakenUpAndFinishedAfterTheRestart() throws Exception {
        Path dataDir = Files.createTempDirectory("operator-export-restart");
        WireMockServer source = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        source.start();
        try {
            PersonIdentifier alice = DemoFhirSource.demoPersons(1).get(0).identifier();
            source.stubFor(get(urlPathEqualTo("/fhir/Patient")).willReturn(fhir(
                    "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":"
                            + "{\"resourceType\":\"Patient\",\"id\":\"p-17\",\"identifier\":[{\"system\":\""
                            + alice.system() + "\",\"value\":\"" + alice.value() + "\"}]}}]}")));
            // Slow enough that the job still runs when the first operator stops.
            source.stubFor(get(urlPathEqualTo("/fhir/Observation")).willReturn(fhir(
                    "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":"
                            + "{\"resourceType\":\"Observation\",\"id\":\"o-1\",\"status\":\"final\",\"category\":[{"
                            + "\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\","
                            + "\"code\":\"vital-signs\"}]}],\"code\":{\"coding\":"
                            + "[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":{\"reference\":"
                            + "\"Patient/p-17\"},\"effectiveDateTime\":\"2024-03-01T10:00:00Z\"}}]}")
                    .withFixedDelay(3_000)));

            String status;
            String permit;
            String firstBase;
            try (ConfigurableApplicationContext first = start(dataDir)) {
                OperatorHttp http = new OperatorHttp(port(first));
                firstBase = http.base();
                String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
                String sourceId = http.post("/api/v1/sources", admin, Map.of("name", "Mocked hospital",
                        "fhirBaseUrl", source.baseUrl() + "/fhir")).json().get("id").asText();
                String programmeId = http.post("/api/v1/programmes", admin, Map.of("name", "Export restart programme",
                        "description", "d", "organisation", "o", "purposes", List.of("dpv:ScientificResearch"),
                        "scope", Map.of("resourceTypes", List.of("Observation")), "termsUri", "https://example.org/t",
                        "termsVersion", "1", "stewards", List.of("steward-demo"))).json().get("id").asText();
                String citizen = http.citizenToken("alice", "alice-demo-password");
                assertThat(http.post("/api/v1/me/links", citizen, Map.of("sourceId", sourceId)).status()).isEqualTo(201);
                assertThat(http.post("/api/v1/me/consents", citizen, Map.of("programmeId", programmeId)).status())
                        .isEqualTo(201);
                String researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
                String steward = http.clientToken("steward-demo", "steward-demo-secret", "steward");
                OperatorHttp.Reply request = http.post("/api/v1/requests", researcher, Map.of("programmeId",
                        programmeId, "title", "Restart study", "organisation", "o", "purpose", "dpv:AcademicResearch",
                        "scope", Map.of("resourceTypes", List.of("Observation")), "justification", "j",
                        "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
                assertThat(request.status()).as(request.body()).isEqualTo(201);
                permit = http.post("/api/v1/requests/" + request.json().get("id").asText() + "/decision", steward,
                        Map.of("decision", "approve")).json().get("permitId").asText();

                status = BulkClient.kickOff(http.base() + "/fhir/" + permit + "/$export", researcher);
                HttpResponse<String> running = BulkClient.get(status, researcher);
                assertThat(running.statusCode()).as(running.body()).isEqualTo(202);
            }

            try (ConfigurableApplicationContext second = start(dataDir)) {
                OperatorHttp http = new OperatorHttp(port(second));
                String researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
                String here = status.replace(firstBase, http.base());
                HttpResponse<String> done = BulkClient.poll(here, researcher);
                assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
                JsonNode manifest = OperatorHttp.JSON.readTree(done.body());
                assertThat(manifest.get("output")).hasSize(1);
                JsonNode output = manifest.get("output").get(0);
                assertThat(output.get("count").asInt()).isEqualTo(1);
                assertThat(output.get("url").asText()).startsWith(http.base() + "/fhir/" + permit + "/");
                HttpResponse<String> file = BulkClient.get(output.get("url").asText(), researcher);
                assertThat(file.statusCode()).isEqualTo(200);
                assertThat(BulkClient.parse(file.body())).singleElement().isInstanceOf(Observation.class);

                String jobId = here.substring(here.lastIndexOf('=') + 1);
                Path jobDir = dataDir.resolve(GatewayConfig.EXPORTS_DIR).resolve(jobId);
                // One run's directory: the interrupted run kept nothing.
                try (var runs = Files.list(jobDir)) {
                    assertThat(runs.count()).isEqualTo(1);
                }
                assertThat(BulkClient.send("DELETE", here, researcher, null).statusCode()).isEqualTo(202);
                assertThat(jobDir).doesNotExist();
            }
        } finally {
            source.stop();
        }
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder fhir(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/fhir+json").withBody(body);
    }

    private static ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(OperatorApplication.class).run("--server.port=0",
                "--operator.data-dir=" + dataDir, "--operator.embedded.demo=false",
                // A one-person cohort, as in every fixture: its records keep their codes (docs/operating.md).
                "--operator.gateway.small-cohort-k=1",
                // The mocked hospital listens on this machine, which sources may not be on by default.
                "--operator.sources.allowed-hosts=localhost");
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
