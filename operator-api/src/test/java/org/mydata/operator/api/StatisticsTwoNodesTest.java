package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Two operator nodes on one PostgreSQL: a consent withdrawn through node 1 takes the person out of the very next
 * statistical answer given by node 2, round after round. Node 2 holds no copy of anything: who is counted is
 * decided from the database at each answer, and the store it reads is the same tables.
 */
class StatisticsTwoNodesTest {
    private static final String BY_SEX = StatisticsTest.BY_SEX;

    private record Donor(String token, String consentId) {
    }

    @Test
    void aWithdrawalOnOneNodeTakesThePersonOutOfTheNextAnswerOnTheOther() throws Exception {
        Path dir = Files.createTempDirectory("statistics-two-nodes");
        try (EmbeddedPostgres pg = TwoNodes.postgres(dir);
             ConfigurableApplicationContext node1 = TwoNodes.node1(dir, pg)) {
            OperatorHttp one = new OperatorHttp(TwoNodes.port(node1));
            ResearchFixtures.issuer = one.base();
            ResearchFixtures f = new ResearchFixtures(one);
            RSAKey signingKey = node1.getBean(RSAKey.class);
            List<String> types = List.of("Patient");
            String programme = f.programme(types);
            List<Donor> donors = new ArrayList<>();
            for (DemoPerson person : DemoFhirSource.demoPersons(18).subList(3, 18)) {
                String token = ResearchFixtures.mintedToken(signingKey, ResearchFixtures.claims("two-node-donor-"
                                + UUID.randomUUID(), List.of("citizen"), Instant.now().plusSeconds(1800))
                        .claim("person_identifier", person.identifier().asToken()).build());
                OperatorHttp.Reply linked = one.post("/api/v1/me/links", token, Map.of("sourceId", f.demoSource));
                assertThat(linked.status()).as(linked.body()).isEqualTo(201);
                donors.add(new Donor(token, f.consent(token, programme, List.of(f.demoSource), null)));
            }
            String permit = f.approvedPermit(programme, types, "Statistics on two nodes");

            try (ConfigurableApplicationContext node2 = TwoNodes.node2(dir, pg)) {
                OperatorHttp two = new OperatorHttp(TwoNodes.port(node2));
                String researcher = two.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
                answer(two, permit, researcher);
                for (Donor donor : donors) {
                    assertThat(counted(one, donor, permit)).isEqualTo(1);
                }
                int rounds = 3;
                for (int round = 0; round < rounds; round++) {
                    Donor leaving = donors.get(round);
                    f.status(leaving.token(), leaving.consentId(), "withdrawn");
                    answer(two, permit, researcher);
                    assertThat(counted(one, leaving, permit)).as("round " + round).isEqualTo(1 + round);
                    Donor staying = donors.get(donors.size() - 1);
                    assertThat(counted(one, staying, permit)).isEqualTo(2 + round);
                }
            }
        }
    }

    private static void answer(OperatorHttp node, String permit, String researcher) {
        OperatorHttp.Reply reply = node.post("/api/v1/permits/" + permit + "/statistics", researcher, BY_SEX);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }

    /**
     * How many answers under the permit counted the person, by their own access log, taking the answers from
     * before they left into account: after leaving in round r, a person has r + 1 answers (the first and one per
     * earlier round).
     */
    private static int counted(OperatorHttp node, Donor donor, String permit) {
        int n = 0;
        for (JsonNode access : node.get("/api/v1/me/access-log", donor.token()).json()) {
            if (access.get("permitId").asText().equals(permit)) {
                n++;
            }
        }
        return n;
    }
}
