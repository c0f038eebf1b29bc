package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Two operator nodes on one PostgreSQL (as scale-out runs them, and as benchmark scenario 4 does for consent
 * withdrawal): an opt-out made through node 1 takes the person out of the programme's permit read through node 2
 * by the very next request, and withdrawing it brings them back just as at once. No cache anywhere can outlive
 * the change: node 2 reads the cohort from the database at the start of each request.
 */
class OptOutTwoNodesTest {

    @Test
    void anOptOutOnOneNodeIsHonouredByTheOtherAtOnce() throws Exception {
        Path dir = Files.createTempDirectory("operator-two-nodes");
        try (EmbeddedPostgres pg = TwoNodes.postgres(dir);
             ConfigurableApplicationContext node1 = TwoNodes.node1(dir, pg)) {
            OperatorHttp one = new OperatorHttp(TwoNodes.port(node1));
            ResearchFixtures.issuer = one.base();
            ResearchFixtures f = new ResearchFixtures(one);
            OperatorHttp.Reply programme = one.post("/api/v1/programmes", f.admin, Map.of(
                    "name", "Registry on two nodes", "description", "d", "organisation", "HDAB",
                    "purposes", List.of("dpv:ScientificResearch"), "scope", Map.of("resourceTypes", List.of("Patient")),
                    "termsUri", "https://example.org/notice", "termsVersion", "1",
                    "stewards", List.of("steward-demo"), "legalBasis", "ehds-secondary-use",
                    "sourceIds", List.of(f.demoSource)));
            assertThat(programme.status()).as(programme.body()).isEqualTo(201);
            String programmeId = programme.json().get("id").asText();
            String alice = f.citizen("alice");
            f.citizen("bob");
            String permit = f.approvedPermit(programmeId, List.of("Patient"), "Two nodes");

            try (ConfigurableApplicationContext node2 = TwoNodes.node2(dir, pg)) {
                OperatorHttp two = new OperatorHttp(TwoNodes.port(node2));
                // Node 2's authorization server signs with its own key: its researcher token is for node 2 only.
                String researcher = two.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
                Set<String> both = patients(two, permit, researcher);
                assertThat(both).hasSize(2);

                OperatorHttp.Reply optOut = one.post("/api/v1/me/opt-outs", alice, Map.of("programmeId", programmeId));
                assertThat(optOut.status()).as(optOut.body()).isEqualTo(201);
                Set<String> withoutAlice = patients(two, permit, researcher);
                assertThat(withoutAlice).hasSize(1);
                assertThat(both).containsAll(withoutAlice);

                OperatorHttp.Reply undone = one.post("/api/v1/me/opt-outs/" + optOut.json().get("id").asText()
                        + "/withdraw", alice, Map.of());
                assertThat(undone.status()).as(undone.body()).isEqualTo(200);
                assertThat(patients(two, permit, researcher)).isEqualTo(both);
            }
        }
    }

    /** The pseudonymous Patient ids node 2 releases under the permit, read with one search. */
    private static Set<String> patients(OperatorHttp node, String permit, String token) {
        OperatorHttp.Reply reply = node.get("/fhir/" + permit + "/Patient?_count=50", token);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        Set<String> ids = new HashSet<>();
        JsonNode entries = reply.json().get("entry");
        if (entries != null) {
            entries.forEach(e -> ids.add(e.get("resource").get("id").asText()));
        }
        return ids;
    }
}
