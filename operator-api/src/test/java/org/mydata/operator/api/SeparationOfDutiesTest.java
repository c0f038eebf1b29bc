package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.jwk.RSAKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Issue 14 item 1: a subject holding both roles, listed as the programme's steward, cannot decide its own data
 * request, nor can a steward whose token says it is of the request's organisation; another steward can, and
 * the permit it signs names both the requester and the decider.
 */
class SeparationOfDutiesTest extends OperatorTestBase {
    @Autowired
    RSAKey tokenSigningKey;

    private String token(String subject, List<String> scopes, String organisation) {
        var claims = ResearchFixtures.claims(subject, scopes, Instant.now().plusSeconds(600));
        if (organisation != null) {
            claims.claim("organisation", organisation);
        }
        return ResearchFixtures.mintedToken(tokenSigningKey, claims.build());
    }

    private String programme(String admin, List<String> stewards) {
        OperatorHttp.Reply reply = http.post("/api/v1/programmes", admin, Map.of("name", "Duties " + UUID.randomUUID(),
                "description", "d", "organisation", "Test Foundation", "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Observation")), "termsUri", "https://example.org/t",
                "termsVersion", "1", "stewards", stewards));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().get("id").asText();
    }

    private String request(String researcher, String programme, String organisation) {
        OperatorHttp.Reply reply = http.post("/api/v1/requests", researcher, Map.of("programmeId", programme,
                "title", "Own request", "organisation", organisation, "purpose", "dpv:AcademicResearch",
                "scope", Map.of("resourceTypes", List.of("Observation")), "justification", "Testing duties",
                "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().get("id").asText();
    }

    private static void assertSeparationOfDuties(OperatorHttp.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(403);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.json().get("type").asText()).isEqualTo("urn:mydata-operator:problem:separation-of-duties");
        assertThat(reply.json().get("rule").asText()).isEqualTo("separation-of-duties");
        assertThat(reply.json().get("detail").asText()).contains("separation of duties");
    }

    @Test
    void aStewardCannotDecideItsOwnRequestAndThePermitNamesRequesterAndDecider() throws Exception {
        String dual = "dual-role-" + UUID.randomUUID();
        String both = token(dual, List.of("researcher", "steward"), null);
        String programme = programme(admin(), List.of(dual, "steward-demo"));
        String id = request(both, programme, "Test University");

        assertSeparationOfDuties(http.post("/api/v1/requests/" + id + "/decision", both, Map.of("decision", "approve")));
        assertSeparationOfDuties(http.post("/api/v1/requests/" + id + "/decision", both,
                Map.of("decision", "reject", "reason", "mine")));
        assertThat(http.get("/api/v1/requests/" + id, both).json().get("status").asText()).isEqualTo("pending");

        String steward = http.clientToken("steward-demo", "steward-demo-secret", "steward");
        OperatorHttp.Reply decided = http.post("/api/v1/requests/" + id + "/decision", steward,
                Map.of("decision", "approve"));
        assertThat(decided.status()).as(decided.body()).isEqualTo(200);
        String researcherOnly = token(dual, List.of("researcher"), null);
        OperatorHttp.Reply permit = http.get("/api/v1/permits/" + decided.json().get("permitId").asText(),
                researcherOnly);
        assertThat(permit.status()).as(permit.body()).isEqualTo(200);
        Map<String, Object> claims = JWSObject.parse(permit.json().get("record").asText()).getPayload().toJSONObject();
        assertThat(claims.get("researcher")).isEqualTo(dual);
        assertThat(claims.get("decision")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("decided_by", "steward-demo");
    }

    @Test
    void aStewardOfTheRequestersOrganisationCannotDecideItWhenItsTokenNamesTheOrganisation() {
        String insider = "insider-" + UUID.randomUUID();
        String outsider = "outsider-" + UUID.randomUUID();
        String programme = programme(admin(), List.of(insider, outsider));
        String researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
        String id = request(researcher, programme, "Test University");

        String sameOrganisation = token(insider, List.of("steward"), " test university ");
        assertSeparationOfDuties(http.post("/api/v1/requests/" + id + "/decision", sameOrganisation,
                Map.of("decision", "approve")));

        String otherOrganisation = token(outsider, List.of("steward"), "Test Foundation");
        assertThat(http.post("/api/v1/requests/" + id + "/decision", otherOrganisation,
                Map.of("decision", "reject", "reason", "not enough")).status()).isEqualTo(200);
    }

    @Test
    void aResearcherWhoseTokenNamesItsOrganisationCannotRequestForAnother() {
        String researcher = token("vouched-" + UUID.randomUUID(), List.of("researcher"), "Test University");
        String programme = programme(admin(), List.of("steward-demo"));
        OperatorHttp.Reply other = http.post("/api/v1/requests", researcher, Map.of("programmeId", programme,
                "title", "Disguised", "organisation", "Other Institute", "purpose", "dpv:AcademicResearch",
                "scope", Map.of("resourceTypes", List.of("Observation")), "justification", "Testing duties",
                "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        assertThat(other.status()).as(other.body()).isEqualTo(422);
        assertThat(other.json().get("field").asText()).isEqualTo("organisation");
    }
}
