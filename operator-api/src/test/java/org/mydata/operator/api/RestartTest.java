package org.mydata.operator.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.nimbusds.jose.jwk.JWKSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/** Stopping and starting the operator on the same data dir keeps every record and every key. */
class RestartTest {

    @Test
    void recordsAndKeysSurviveARestart() throws Exception {
        Path dataDir = Files.createTempDirectory("operator-restart");
        WireMockServer source = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        source.start();
        try {
            PersonIdentifier alice = DemoFhirSource.demoPersons(1).get(0).identifier();
            source.stubFor(get(urlPathEqualTo("/fhir/Patient")).willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/fhir+json")
                    .withBody("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":"
                            + "{\"resourceType\":\"Patient\",\"id\":\"p-17\",\"identifier\":[{\"system\":\""
                            + alice.system() + "\",\"value\":\"" + alice.value() + "\"}]}}]}")));

            String consentId;
            String jwksBefore;
            try (ConfigurableApplicationContext first = start(dataDir)) {
                OperatorHttp http = new OperatorHttp(port(first));
                String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
                String sourceId = http.post("/api/v1/sources", admin, Map.of("name", "Mocked hospital",
                        "fhirBaseUrl", source.baseUrl() + "/fhir")).json().get("id").asText();
                String programmeId = http.post("/api/v1/programmes", admin, Map.of("name", "Restart programme",
                        "description", "d", "organisation", "o", "purposes", List.of("dpv:ScientificResearch"),
                        "scope", Map.of("resourceTypes", List.of("Observation")), "termsUri", "https://example.org/t",
                        "termsVersion", "1", "stewards", List.of("steward-demo"))).json().get("id").asText();
                String token = http.citizenToken("alice", "alice-demo-password");
                assertThat(http.post("/api/v1/me/links", token, Map.of("sourceId", sourceId)).status()).isEqualTo(201);
                OperatorHttp.Reply granted = http.post("/api/v1/me/consents", token, Map.of("programmeId", programmeId));
                assertThat(granted.status()).as(granted.body()).isEqualTo(201);
                consentId = granted.json().get("id").asText();
                assertThat(http.post("/api/v1/me/consents/" + consentId + "/status", token, Map.of("status", "paused"))
                        .status()).isEqualTo(200);
                jwksBefore = http.get("/.well-known/jwks.json", null).body();
            }

            try (ConfigurableApplicationContext second = start(dataDir)) {
                OperatorHttp http = new OperatorHttp(port(second));
                assertThat(http.get("/.well-known/jwks.json", null).body()).isEqualTo(jwksBefore);
                String token = http.citizenToken("alice", "alice-demo-password");
                JsonNode consent = http.get("/api/v1/me/consents/" + consentId, token).json();
                assertThat(consent.get("status").asText()).isEqualTo("paused");
                RecordVerifier verifier = new RecordVerifier(JWKSet.parse(jwksBefore));
                verifier.verify(consent.get("record").asText());
                for (JsonNode record : consent.get("statusRecords")) {
                    verifier.verify(record.asText());
                }
                OperatorHttp.Reply resumed = http.post("/api/v1/me/consents/" + consentId + "/status", token,
                        Map.of("status", "active"));
                assertThat(resumed.status()).isEqualTo(200);
                assertThat(resumed.json().get("statusRecord").get("sequence").asInt()).isEqualTo(3);
                assertThat(http.get("/api/v1/me/consents/" + consentId, token).json().get("statusRecords").size())
                        .isEqualTo(3);
                assertThat(http.get("/api/v1/programmes", null).body()).contains("Restart programme");
            }
        } finally {
            source.stop();
        }
    }

    private static ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(OperatorApplication.class).run("--server.port=0",
                "--operator.data-dir=" + dataDir, "--operator.embedded.demo=false",
                // The mocked hospital listens on this machine, which sources may not be on by default.
                "--operator.sources.allowed-hosts=localhost");
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
