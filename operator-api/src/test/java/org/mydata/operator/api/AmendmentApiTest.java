package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.demo.DemoConfig;
import org.mydata.operator.verify.VerifyCommand;
import tools.jackson.databind.JsonNode;

/**
 * Issue 24 items 1 and 2 over HTTP with real tokens: an administrator amends a programme (bad input is a
 * problem+json and writes nothing), the catalogue shows its versions, a person accepts the new version in one step,
 * and operator-verify checks the re-consent chain as it fetches it from the operator.
 */
class AmendmentApiTest extends OperatorTestBase {

    private String programme() {
        OperatorHttp.Reply made = http.post("/api/v1/programmes", admin(), Map.of(
                "name", "Amended " + UUID.randomUUID(), "description", "d", "organisation", "o",
                "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Patient", "Observation")),
                "termsUri", "https://example.org/terms", "termsVersion", "1", "stewards", List.of("steward-demo")));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        return made.json().get("id").asText();
    }

    /** Alice, linked to the demo source (other classes sharing the operator link her too: either is fine). */
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
    void anAdministratorAmendsAndAPersonAcceptsTheNewVersionWhoseChainOperatorVerifyAccepts() {
        String programme = programme();
        String alice = linkedAlice();
        OperatorHttp.Reply given = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme));
        assertThat(given.status()).as(given.body()).isEqualTo(201);
        String v1 = given.json().get("id").asText();
        assertThat(given.json().get("programmeVersion").asInt()).isEqualTo(1);
        String amendments = "/api/v1/admin/programmes/" + programme + "/amendments";

        // Bad input: a problem document, and nothing written.
        OperatorHttp.Reply unknown = http.post(amendments, admin(), Map.of("reason", "r",
                "purposes", List.of("dpv:Marketing")));
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(unknown.body()).contains("purposes").doesNotContain("Exception");
        assertThat(http.post(amendments, admin(), Map.of("purposes", List.of("dpv:ScientificResearch",
                "dpv:DataAltruism"))).status()).isEqualTo(422);
        assertThat(http.post(amendments, admin(), Map.of("reason", "nothing")).status()).isEqualTo(422);
        assertThat(http.post(amendments, alice, Map.of("reason", "r", "purposes", List.of("dpv:DataAltruism")))
                .status()).isEqualTo(403);
        assertThat(http.post("/api/v1/admin/programmes/" + UUID.randomUUID() + "/amendments", admin(),
                Map.of("reason", "r", "purposes", List.of("dpv:DataAltruism"))).status()).isEqualTo(404);
        assertThat(http.get("/api/v1/programmes/" + programme + "/versions", null).json()).hasSize(1);

        // A widening amendment, signed and logged.
        OperatorHttp.Reply amended = http.post(amendments, admin(), Map.of("reason", "we add conditions",
                "scope", Map.of("resourceTypes", List.of("Patient", "Observation", "Condition"))));
        assertThat(amended.status()).as(amended.body()).isEqualTo(201);
        assertThat(amended.json().get("version").asInt()).isEqualTo(2);
        assertThat(amended.json().get("direction").asText()).isEqualTo("widening");
        assertThat(amended.json().get("amendedBy").asText()).isEqualTo("admin-demo");
        assertThat(amended.json().get("record").asText()).isNotBlank();
        JsonNode versions = http.get("/api/v1/programmes/" + programme + "/versions", null).json();
        assertThat(versions).hasSize(2);
        assertThat(versions.get(1).get("reason").asText()).isEqualTo("we add conditions");

        // Alice's consent stays on version 1 until she accepts version 2.
        assertThat(http.get("/api/v1/me/consents/" + v1, alice).json().get("scope").get("resourceTypes"))
                .hasSize(2);
        OperatorHttp.Reply offer = http.get("/api/v1/me/consents/" + v1 + "/new-version?language=fi", alice);
        assertThat(offer.status()).as(offer.body()).isEqualTo(200);
        assertThat(offer.json().get("fromVersion").asInt()).isEqualTo(1);
        assertThat(offer.json().get("toVersion").asInt()).isEqualTo(2);
        assertThat(offer.json().get("acceptable").asBoolean()).isTrue();
        // The programme offers English alone: the text is English, and says so.
        assertThat(offer.json().get("language").asText()).isEqualTo("en");
        String sha256 = offer.json().get("sha256").asText();
        assertThat(offer.json().get("diff").toString()).contains("added", "Condition");

        OperatorHttp.Reply stale = http.post("/api/v1/me/consents/" + v1 + "/new-version", alice,
                Map.of("language", "en", "shownTextSha256", "stale"));
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.contentType()).startsWith("application/problem+json");
        OperatorHttp.Reply accepted = http.post("/api/v1/me/consents/" + v1 + "/new-version", alice,
                Map.of("language", "en", "shownTextSha256", sha256));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(201);
        String v2 = accepted.json().get("id").asText();
        assertThat(accepted.json().get("programmeVersion").asInt()).isEqualTo(2);
        assertThat(accepted.json().get("replaces").asText()).isEqualTo(v1);
        assertThat(accepted.json().get("scope").get("resourceTypes")).hasSize(3);
        JsonNode old = http.get("/api/v1/me/consents/" + v1, alice).json();
        assertThat(old.get("status").asText()).isEqualTo("withdrawn");
        assertThat(old.get("history").get(old.get("history").size() - 1).get("reason").asText()).contains(v2);
        assertThat(http.get("/api/v1/me/consents/" + v2 + "/new-version", alice).status()).isEqualTo(404);
        assertThat(http.get("/api/v1/me/consents/" + v2 + "/chain", alice).json().get("records")).hasSize(6);

        // The auditor's check, online: the JWKS and the chain fetched from the operator.
        String auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = VerifyCommand.run(new String[] {"reconsent", "--operator", http.base(), "--consent", v2,
                "--token", auditor}, new PrintStream(out, true, StandardCharsets.UTF_8));
        String report = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as(report).isEqualTo(VerifyCommand.OK);
        assertThat(report).contains("replaces", "version");
    }
}
