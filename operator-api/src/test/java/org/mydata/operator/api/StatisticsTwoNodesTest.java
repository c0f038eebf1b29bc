package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.config.EmbeddedPostgresServer;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
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
        int pgPort = freePort();
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("postgres"))
                .setCleanDataDirectory(false).setPort(pgPort);
        EmbeddedPostgresServer.DURABLE.forEach(builder::setServerConfig);
        String jdbc = "--spring.datasource.url=jdbc:postgresql://localhost:" + pgPort + "/postgres";
        try (EmbeddedPostgres pg = builder.start();
             ConfigurableApplicationContext node1 = new SpringApplicationBuilder(OperatorApplication.class).run(
                     "--server.port=0", "--operator.data-dir=" + dir.resolve("node1"), jdbc,
                     "--spring.datasource.username=postgres")) {
            OperatorHttp one = new OperatorHttp(port(node1));
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

            Path keys = dir.resolve("node1").resolve("keys");
            try (ConfigurableApplicationContext node2 = new SpringApplicationBuilder(OperatorApplication.class).run(
                    "--server.port=0", "--operator.data-dir=" + dir.resolve("node2"), jdbc,
                    "--spring.datasource.username=postgres",
                    "--operator.signing.keystore=" + keys.resolve("operator-signing.p12"),
                    "--operator.signing.password=" + Files.readString(keys.resolve("keystore.password")).strip(),
                    "--operator.embedded.demo=false", "--operator.sources.allowed-hosts=localhost,127.0.0.1")) {
                OperatorHttp two = new OperatorHttp(port(node2));
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

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
