package org.mydata.operator.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Every refused request gets its own clear problem document and leaves nothing behind. */
class SecurityAndErrorsTest extends OperatorTestBase {
    private static WireMockServer source;

    @Autowired
    RSAKey tokenSigningKey;

    @BeforeAll
    static void startFaultySource() {
        source = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        source.start();
    }

    @AfterAll
    static void stopFaultySource() {
        source.stop();
    }

    @Test
    void requestsWithoutAValidTokenAreUnauthenticated() throws Exception {
        OperatorHttp.Reply none = http.get("/api/v1/me/consents", null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.contentType()).startsWith("application/problem+json");
        assertThat(none.json().get("detail").asText()).contains("bearer access token");

        assertThat(http.get("/api/v1/me/consents", "not-a-jwt").status()).isEqualTo(401);

        RSAKey foreign = new RSAKeyGenerator(2048).keyID(tokenSigningKey.getKeyID()).generate();
        OperatorHttp.Reply forged = http.get("/api/v1/me/consents", token(foreign, Instant.now().plusSeconds(300)));
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.json().get("detail").asText()).contains("not valid");

        OperatorHttp.Reply expired = http.get("/api/v1/me/consents",
                token(tokenSigningKey, Instant.now().minusSeconds(3600)));
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.json().get("detail").asText()).containsIgnoringCase("expired");

        // The same issuer's key with a valid lifetime is accepted: the refusals above are about the token, not the test.
        assertThat(http.get("/api/v1/me/consents", token(tokenSigningKey, Instant.now().plusSeconds(300))).status())
                .isEqualTo(200);
    }

    @Test
    void scopesDecideWhoMayDoWhat() {
        String researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
        OperatorHttp.Reply denied = http.get("/api/v1/me/consents", researcher);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.contentType()).startsWith("application/problem+json");
        String alice = alice();
        assertThat(http.post("/api/v1/sources", alice, Map.of("name", "x", "fhirBaseUrl", "http://x")).status())
                .isEqualTo(403);
        assertThat(http.post("/api/v1/admin/keys/rotate", alice, "{}").status()).isEqualTo(403);
        assertThat(http.get("/api/v1/programmes", null).status()).isEqualTo(200);
        assertThat(http.get("/.well-known/jwks.json", null).status()).isEqualTo(200);
    }

    @Test
    void badRequestsAreNamedAndStoreNothing() {
        String alice = alice();
        String programmeId = http.get("/api/v1/programmes", null).json().get(0).get("id").asText();
        int before = http.get("/api/v1/me/consents", alice).json().size();

        OperatorHttp.Reply malformed = http.post("/api/v1/me/consents", alice, "{\"programmeId\": ");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("detail").asText()).contains("not valid JSON");

        OperatorHttp.Reply unknownField = http.post("/api/v1/me/consents", alice,
                Map.of("programmeId", programmeId, "colour", "blue"));
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(unknownField.json().get("detail").asText()).contains("colour");

        OperatorHttp.Reply wider = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programmeId,
                "scope", Map.of("resourceTypes", List.of("Observation", "Claim"))));
        assertThat(wider.status()).isEqualTo(422);
        assertThat(wider.json().get("detail").asText()).contains("Claim");
        assertThat(wider.json().get("field").asText()).isEqualTo("scope");

        OperatorHttp.Reply unknownProgramme = http.post("/api/v1/me/consents", alice,
                Map.of("programmeId", "00000000-0000-0000-0000-000000000000"));
        assertThat(unknownProgramme.status()).isEqualTo(404);

        OperatorHttp.Reply badId = http.get("/api/v1/me/consents/not-a-uuid", alice);
        assertThat(badId.status()).isEqualTo(400);

        OperatorHttp.Reply badStatus = http.post("/api/v1/me/consents/00000000-0000-0000-0000-000000000000/status",
                alice, Map.of("status", "maybe"));
        assertThat(badStatus.status()).isEqualTo(422);

        assertThat(http.get("/api/v1/me/consents", alice).json().size()).isEqualTo(before);
        for (OperatorHttp.Reply reply : List.of(malformed, unknownField, wider, unknownProgramme, badId, badStatus)) {
            assertThat(reply.contentType()).startsWith("application/problem+json");
            assertThat(reply.body()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void aFailingOrSlowSourceLinksNothing() {
        String admin = admin();
        String sourceId = http.post("/api/v1/sources", admin, Map.of("name", "Flaky hospital",
                "fhirBaseUrl", source.baseUrl() + "/fhir")).json().get("id").asText();
        String carol = http.citizenToken("carol", "carol-demo-password");
        PersonIdentifier carols = DemoFhirSource.demoPersons(3).get(2).identifier();
        String identifier = "\"identifier\":[{\"system\":\"" + carols.system() + "\",\"value\":\"" + carols.value()
                + "\"}]";

        source.stubFor(get(urlPathEqualTo("/fhir/Patient")).willReturn(aResponse().withStatus(500)));
        OperatorHttp.Reply failed = http.post("/api/v1/me/links", carol, Map.of("sourceId", sourceId));
        assertThat(failed.status()).isEqualTo(502);
        assertThat(failed.json().get("detail").asText()).contains("Flaky hospital");

        source.stubFor(get(urlPathEqualTo("/fhir/Patient")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/fhir+json").withFixedDelay(15_000)
                .withBody("{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}")));
        OperatorHttp.Reply slow = http.post("/api/v1/me/links", carol, Map.of("sourceId", sourceId));
        assertThat(slow.status()).isEqualTo(504);

        source.stubFor(get(urlPathEqualTo("/fhir/Patient")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/fhir+json")
                .withBody("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":["
                        + "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"a\"," + identifier + "}},"
                        + "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"b\"," + identifier + "}}]}")));
        assertThat(http.post("/api/v1/me/links", carol, Map.of("sourceId", sourceId)).status()).isEqualTo(409);

        source.stubFor(get(urlPathEqualTo("/fhir/Patient")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/fhir+json")
                .withBody("{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}")));
        assertThat(http.post("/api/v1/me/links", carol, Map.of("sourceId", sourceId)).status()).isEqualTo(404);

        assertThat(http.get("/api/v1/me/links", carol).body()).doesNotContain(sourceId);
        // The person identifier went to the source, and to nobody else.
        assertThat(failed.body() + slow.body()).doesNotContain(carols.value());
    }

    @Test
    void sourceSecretsNeverComeBack() {
        String admin = admin();
        OperatorHttp.Reply created = http.post("/api/v1/sources", admin, Map.of("name", "Secret hospital",
                "fhirBaseUrl", "https://fhir.example.org/r4",
                "auth", Map.of("type", "client_credentials", "tokenUrl", "https://fhir.example.org/token",
                        "clientId", "operator", "clientSecret", "s3cr3t-value")));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body()).doesNotContain("s3cr3t-value");
        assertThat(http.get("/api/v1/sources", admin).body()).contains("Secret hospital").doesNotContain("s3cr3t-value");
        OperatorHttp.Reply badAuth = http.post("/api/v1/sources", admin, Map.of("name", "x",
                "fhirBaseUrl", "https://fhir.example.org", "auth", Map.of("type", "kerberos")));
        assertThat(badAuth.status()).isEqualTo(422);
    }

    private static String token(RSAKey key, Instant expiry) {
        return ResearchFixtures.mintedToken(key, "alice", List.of("citizen"), expiry);
    }
}
