package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.web.WebSession;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.mydata.operator.verify.VerifyCommand;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Statistical answers over the demo source, through the real API (issue 20): correct within the published noise
 * and protected, signed and verifiable with the JWKS alone, the same answer to the same request, a withdrawn
 * person out of the next answer, a request outside the permit refused, the per-day limit, the person's page, and
 * the full-log audit with statistics events in the log.
 */
class StatisticsTest extends OperatorTestBase {
    /** The largest count noise of the published perturbation table. */
    static final int MAX_NOISE = 2;

    static final String BY_SEX = """
            {"views": [{"resourceType": "ViewDefinition", "name": "patient", "resource": "Patient", "status": "active",
                        "select": [{"column": [{"name": "sex", "path": "gender"},
                                               {"name": "birthDate", "path": "birthDate"}]}]}],
             "groupBy": [{"view": "patient", "column": "sex", "as": "sex", "generalise": "value"}],
             "measures": [{"persons": true}]}""";

    @Autowired
    RSAKey tokenSigningKey;

    @Autowired
    javax.sql.DataSource dataSource;

    private ResearchFixtures fixtures;

    /** One study for the class: a programme, its donors (the demo persons no other test holds), a permit. */
    private static Study study;

    private record Donor(DemoPerson person, String token, String consentId) {
    }

    private record Study(String programme, String permit, List<Donor> donors) {
    }

    @BeforeEach
    void study() {
        fixtures = new ResearchFixtures(http);
        if (study == null) {
            // the averaging attack asks a hundred times: more than the default answers a day, so this programme allows 200
            study = newStudy(List.of("Patient", "Condition", "Observation"), 37, Map.of("answersPerDay", 200));
        }
    }

    /**
     * The demo persons from the fourth on, each with an account of their own linked to the demo source, made once
     * (a patient has one live link): every study's donors come from them.
     */
    private static List<Donor> pool;

    /** A programme with the first {@code donors} of the pool as donors, and an approved permit. */
    private Study newStudy(List<String> types, int donors) {
        return newStudy(types, donors, Map.of());
    }

    private Study newStudy(List<String> types, int donors, Map<String, Object> disclosure) {
        if (pool == null) {
            List<Donor> linked = new ArrayList<>();
            for (DemoPerson person : DemoFhirSource.demoPersons(40).subList(3, 40)) {
                String token = citizenToken(person);
                OperatorHttp.Reply link = http.post("/api/v1/me/links", token, Map.of("sourceId", fixtures.demoSource));
                if (link.status() == 201) {
                    linked.add(new Donor(person, token, null));
                } // else another test's account holds this patient's link
            }
            assertThat(linked).hasSizeGreaterThan(25);
            pool = linked;
        }
        String programme = fixtures.programme(types, disclosure);
        List<Donor> consented = new ArrayList<>();
        for (Donor donor : pool.subList(0, Math.min(donors, pool.size()))) {
            consented.add(new Donor(donor.person(), donor.token(), fixtures.consent(donor.token(), programme,
                    List.of(fixtures.demoSource), null)));
        }
        String permit = fixtures.approvedPermit(programme, types, "Statistics study " + UUID.randomUUID());
        return new Study(programme, permit, consented);
    }

    private String citizenToken(DemoPerson person) {
        return ResearchFixtures.mintedToken(tokenSigningKey, ResearchFixtures.claims("statistics-donor-"
                        + UUID.randomUUID(), List.of("citizen"), Instant.now().plusSeconds(1800))
                .claim("person_identifier", person.identifier().asToken()).build());
    }

    private JsonNode answer(String permit, String request) {
        OperatorHttp.Reply reply = http.post("/api/v1/permits/" + permit + "/statistics", fixtures.researcher, request);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    /** The persons counted in the cell of {@code sex} ("*" for the total), or null when it is suppressed (absent). */
    private static Long persons(JsonNode answer, String sex) {
        for (JsonNode row : answer.get("rows")) {
            if (row.get(0).asText().equals(sex)) {
                return row.get(1).isNull() ? null : row.get(1).asLong();
            }
        }
        return null; // a suppressed cell is absent from the rows
    }

    /** The donors' sexes as the demo source itself holds them, read over its own FHIR API. */
    private Map<String, Integer> sexesAtTheSource(List<Donor> donors) {
        Map<String, Integer> counts = new HashMap<>();
        for (Donor donor : donors) {
            OperatorHttp.Reply patient = http.get("/demo-source/fhir/Patient/" + donor.person().patientId(), null);
            assertThat(patient.status()).as(patient.body()).isEqualTo(200);
            counts.merge(patient.json().get("gender").asText(), 1, Integer::sum);
            counts.merge("*", 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void anAnswerFromTheDemoDataIsCorrectWithinThePublishedNoiseProtectedSignedAndVerifiable() throws Exception {
        JsonNode answer = answer(study.permit(), BY_SEX);

        assertThat(answer.get("columns").get(0).get("name").asText()).isEqualTo("sex");
        assertThat(answer.get("protection").get("threshold").asInt()).isEqualTo(10);
        assertThat(answer.get("protection").get("method").asText()).contains("cell-key");
        assertThat(answer.get("basedOn").get("permitId").asText()).isEqualTo(study.permit());
        assertThat(answer.get("basedOn").get("checkpoint").asLong()).isPositive();
        Map<String, Integer> truth = sexesAtTheSource(study.donors());
        for (Map.Entry<String, Integer> cell : truth.entrySet()) {
            // counts are perturbed before the threshold: within MAX_NOISE of it a cell may go either way
            Long released = persons(answer, cell.getKey());
            if (cell.getValue() >= 10 + MAX_NOISE) {
                assertThat(released).as(cell.getKey()).isBetween(
                        (long) cell.getValue() - MAX_NOISE, (long) cell.getValue() + MAX_NOISE);
            } else if (cell.getValue() < 10 - MAX_NOISE) {
                assertThat(released).as("a cell under the threshold").isNull();
            } else if (released != null) {
                assertThat(released).as(cell.getKey()).isBetween(10L, (long) cell.getValue() + MAX_NOISE);
            }
        }
        // Nothing in the answer names a person: neither the demo patients' ids nor their names.
        for (Donor donor : study.donors()) {
            assertThat(answer.toString()).doesNotContain(donor.person().patientId()).doesNotContain(donor.person().name());
        }

        // The signed answer verifies with the JWKS alone, and a changed number does not.
        Path dir = Files.createTempDirectory("statistic");
        Path jwks = Files.writeString(dir.resolve("jwks.json"), http.get("/.well-known/jwks.json", null).body());
        Path file = Files.writeString(dir.resolve("answer.json"), answer.toString());
        Run verified = verify("statistic", "--jwks", jwks.toString(), "--answer", file.toString());
        assertThat(verified.status()).as(verified.output()).isZero();
        assertThat(verified.output()).contains("PASS  signature", "PASS  content", "PASS  basis", "Result: PASSED");
        String total = String.valueOf(persons(answer, "*"));
        Path forged = Files.writeString(dir.resolve("forged.json"), answer.toString()
                .replaceFirst("\\[\"\\*\",\\s*" + total + "]", "[\"*\"," + (Long.parseLong(total) + 1) + "]"));
        assertThat(Files.readString(forged)).isNotEqualTo(answer.toString());
        Run caught = verify("statistic", "--jwks", jwks.toString(), "--answer", forged.toString());
        assertThat(caught.status()).as(caught.output()).isEqualTo(VerifyCommand.FAILED);
        assertThat(caught.output()).contains("FAIL  content");

        // The same answer as CSV, with its record in a header.
        HttpResponse<String> csv = http.exchange("POST", "/api/v1/permits/" + study.permit() + "/statistics",
                fixtures.researcher, BY_SEX, Duration.ofSeconds(60), "Accept", "text/csv");
        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(csv.headers().firstValue("Statistics-Record")).isPresent();
        assertThat(csv.body()).startsWith("sex,persons\r\n").contains("*," + total + "\r\n");
    }

    @Test
    void theSameRequestAHundredTimesGivesOneAnswer() {
        JsonNode first = answer(study.permit(), BY_SEX);
        Set<String> tables = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            JsonNode again = answer(study.permit(), BY_SEX);
            tables.add(again.get("rows").toString());
            assertThat(again.get("record").asText()).isNotEqualTo(first.get("record").asText());
        }
        assertThat(tables).containsExactly(first.get("rows").toString());
    }

    @Test
    void aWithdrawnPersonIsMissingFromTheNextAnswerAndSeesWhereTheyWereCounted() {
        Study own = newStudy(List.of("Patient"), 25);
        // Carol signs in to the pages with a password, so her page can be read as she reads it.
        String carol = fixtures.citizen("carol");
        String carolsConsent = fixtures.consent(carol, own.programme(), List.of(fixtures.demoSource), null);
        answer(own.permit(), BY_SEX);
        assertThat(answersCounting(carol, own.permit())).isEqualTo(1);
        assertThat(answersCounting(own.donors().get(0).token(), own.permit())).isEqualTo(1);

        Map<String, String> expected = Map.of("en", "Counted in a statistic for project",
                "fi", "Sinut laskettiin mukaan hankkeen", "sv", "Du räknades med i en statistik för projektet");
        expected.forEach((language, text) -> {
            WebSession page = new WebSession(http.base(), language);
            page.signIn("carol", "carol-demo-password");
            assertThat(page.get("/app/access").body()).as(language).contains(text);
        });

        int stored = personsStored(own.permit());
        assertThat(stored).isEqualTo(own.donors().size() + 1);
        fixtures.status(carol, carolsConsent, "withdrawn");
        assertThat(personsStored(own.permit())).as("her withdrawal deleted what the store held of her")
                .isEqualTo(stored - 1);
        answer(own.permit(), BY_SEX);
        assertThat(answersCounting(carol, own.permit())).as("no answer after the withdrawal counts her").isEqualTo(1);
        assertThat(answersCounting(own.donors().get(0).token(), own.permit())).isEqualTo(2);
    }

    /** How many persons the permit's statistics store holds anything of. */
    private int personsStored(String permit) {
        return new org.springframework.jdbc.core.JdbcTemplate(dataSource).queryForObject(
                "select count(*) from statistics_person where permit_id = ?::uuid", Integer.class, permit);
    }

    /** How many statistical answers under the permit counted the person, as their access log tells them. */
    private int answersCounting(String citizen, String permit) {
        int n = 0;
        for (JsonNode access : http.get("/api/v1/me/access-log", citizen).json()) {
            if (access.get("permitId").asText().equals(permit)) {
                assertThat(access.get("interaction").asText()).isEqualTo("statistics");
                n++;
            }
        }
        return n;
    }

    @Test
    void aRequestOutsideThePermitIsAProblem() {
        String conditions = """
                {"views": [{"resourceType": "ViewDefinition", "name": "e", "resource": "Encounter", "status": "active",
                            "select": [{"column": [{"name": "class", "path": "class.code"}]}]}],
                 "measures": [{"persons": true}]}""";
        OperatorHttp.Reply outside = http.post("/api/v1/permits/" + study.permit() + "/statistics",
                fixtures.researcher, conditions);
        assertThat(outside.status()).as(outside.body()).isEqualTo(403);
        assertThat(outside.contentType()).startsWith("application/problem+json");
        assertThat(outside.json().get("detail").asText()).contains("Encounter");

        OperatorHttp.Reply unknown = http.post("/api/v1/permits/" + study.permit() + "/statistics",
                fixtures.researcher, BY_SEX.replace("\"gender\"", "\"genderr\""));
        assertThat(unknown.status()).as(unknown.body()).isBetween(400, 422);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(unknown.json().get("detail").asText()).contains("genderr");

        // Another researcher's token, or no permit at all: nothing to see.
        String stranger = ResearchFixtures.mintedToken(tokenSigningKey, "another-researcher", List.of("researcher"),
                Instant.now().plusSeconds(300));
        assertThat(http.post("/api/v1/permits/" + study.permit() + "/statistics", stranger, BY_SEX).status())
                .isEqualTo(404);
        assertThat(http.post("/api/v1/permits/" + UUID.randomUUID() + "/statistics", fixtures.researcher, BY_SEX)
                .status()).isEqualTo(404);
    }

    @Test
    void aPermitGetsNoMoreAnswersADayThanItsProgrammeAllows() {
        Study own = newStudy(List.of("Patient"), 12);
        int allowed = org.mydata.operator.programme.DisclosureSettings.DEFAULTS.answersPerDay();
        for (int i = 0; i < allowed; i++) {
            answer(own.permit(), BY_SEX);
        }
        HttpResponse<String> refused = http.exchange("POST", "/api/v1/permits/" + own.permit() + "/statistics",
                fixtures.researcher, BY_SEX, Duration.ofSeconds(60));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isPositive();
    }

    @Test
    void theFullLogAuditPassesWithStatisticsEventsInTheLog() throws Exception {
        answer(study.permit(), BY_SEX);
        String auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
        Run log = verify("log", "--operator", http.base(), "--token", auditor);
        assertThat(log.status()).as(log.output()).isZero();
        assertThat(log.output()).contains("PASS  access", "statistical answers each signed right after its event",
                "statistics+jwt", "Result: PASSED");

        // A donor's own consent bundle covers the statistics events that counted them.
        Donor donor = study.donors().get(2);
        Path dir = Files.createTempDirectory("statistic-bundle");
        Run bundle = verify("consent", "--operator", http.base(), "--consent", donor.consentId(), "--token", auditor,
                "--save", dir.toString());
        assertThat(bundle.status()).as(bundle.output()).isZero();
        JsonNode events = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(Files.readString(dir.resolve("bundle.json"))).get("access_events");
        assertThat(events.size()).isPositive();
        String entry = new String(java.util.Base64.getDecoder().decode(events.get(0).get("entry").asText()),
                StandardCharsets.UTF_8);
        assertThat(entry).contains("\"interaction\":\"statistics\"");
    }

    record Run(int status, String output) {
    }

    static Run verify(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = VerifyCommand.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(status, bytes.toString(StandardCharsets.UTF_8));
    }
}
