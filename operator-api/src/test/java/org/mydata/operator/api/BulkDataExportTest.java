package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mydata.operator.api.BulkClient.get;
import static org.mydata.operator.api.BulkClient.kickOff;
import static org.mydata.operator.api.BulkClient.parse;
import static org.mydata.operator.api.BulkClient.poll;
import static org.mydata.operator.api.BulkClient.send;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Bulk Data Access v2 beyond the basics BulkExportTest covers: POST kick-off with a Parameters body, Group
 * export of the permit's cohort, {@code _since} as the source's changes (and everything of persons who joined
 * since), {@code _typeFilter} answered exactly or refused, {@code _elements}, and the CapabilityStatement.
 */
class BulkDataExportTest extends OperatorTestBase {
    private ResearchFixtures fixtures;
    private String researcher;

    @BeforeEach
    void roles() {
        fixtures = new ResearchFixtures(http);
        researcher = fixtures.researcher;
    }

    @Test
    void postAndGroupKickOffsExportThePermitsCohort() throws Exception {
        String programme = fixtures.programme(List.of("Patient", "Observation"));
        fixtures.consent(fixtures.citizen("alice"), programme, List.of(fixtures.demoSource), null);
        String permit = fixtures.approvedPermit(programme, List.of("Patient", "Observation"), "Group study");
        String base = http.base() + "/fhir/" + permit;

        HttpResponse<String> posted = send("POST", base + "/$export", researcher, """
                {"resourceType":"Parameters","parameter":[
                  {"name":"_type","valueString":"Patient"},
                  {"name":"_outputFormat","valueString":"application/fhir+ndjson"}]}""",
                "Prefer", "respond-async", "Content-Type", "application/fhir+json");
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
        JsonNode manifest = manifest(poll(posted.headers().firstValue("Content-Location").orElseThrow(), researcher));
        assertThat(manifest.get("output")).hasSize(1);
        assertThat(manifest.get("output").get(0).get("type").asText()).isEqualTo("Patient");
        assertThat(manifest.get("output").get(0).get("count").asInt()).isEqualTo(1);

        // A parameter the export does not offer is refused in a body as in a query.
        HttpResponse<String> withPatient = send("POST", base + "/$export", researcher, """
                {"resourceType":"Parameters","parameter":[{"name":"patient","valueReference":{"reference":"Patient/x"}}]}""",
                "Prefer", "respond-async", "Content-Type", "application/fhir+json");
        assertThat(withPatient.statusCode()).isEqualTo(400);
        assertThat(withPatient.body()).contains("patient");

        JsonNode group = manifest(poll(kickOff(base + "/Group/" + permit + "/$export?_type=Patient,Observation",
                researcher), researcher));
        Map<String, Integer> counts = new HashMap<>();
        group.get("output").forEach(o -> counts.put(o.get("type").asText(), o.get("count").asInt()));
        assertThat(counts.get("Patient")).isEqualTo(1);
        assertThat(counts.get("Observation")).isEqualTo(http.get("/fhir/" + permit + "/Observation?_count=1",
                researcher).json().get("total").asInt());
        assertThat(get(base + "/Group/" + java.util.UUID.randomUUID() + "/$export", researcher, "Prefer",
                "respond-async").statusCode()).isEqualTo(404);

        JsonNode metadata = http.get("/fhir/" + permit + "/metadata", researcher).json();
        assertThat(metadata.get("instantiates").toString()).contains("http://hl7.org/fhir/uv/bulkdata");
        assertThat(metadata.toString()).contains("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export")
                .contains("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export")
                .doesNotContain("export-poll-status").doesNotContain("export-file");
    }

    @Test
    void sinceIsWhatTheSourceChangedSinceAndEverythingOfPersonsWhoJoinedSince() throws Exception {
        String programme = fixtures.programme(List.of("Observation"));
        String alice = fixtures.citizen("alice");
        Instant beforeConsent = Instant.now().minusSeconds(1);
        fixtures.consent(alice, programme, List.of(fixtures.demoSource), null);
        Thread.sleep(1100);
        Instant afterConsent = Instant.now();
        String permit = fixtures.approvedPermit(programme, List.of("Observation"), "Since study");
        String base = http.base() + "/fhir/" + permit + "/$export?_since=";
        int all = http.get("/fhir/" + permit + "/Observation?_count=1", researcher).json().get("total").asInt();
        assertThat(all).isPositive();

        // Alice joined after this _since: all of her data is new to the researcher.
        JsonNode joined = manifest(poll(kickOff(base + encode(beforeConsent.toString()), researcher), researcher));
        assertThat(joined.get("output").get(0).get("count").asInt()).isEqualTo(all);
        // She was in the cohort before this one: only what the source changed since goes, and the demo source
        // changed nothing since 2025-06-01.
        JsonNode unchanged = manifest(poll(kickOff(base + encode(afterConsent.toString()), researcher), researcher));
        assertThat(unchanged.get("output")).isEmpty();
        assertThat(unchanged.get("request").asText()).contains("_since=");

        assertThat(get(base + "yesterday", researcher, "Prefer", "respond-async").statusCode()).isEqualTo(400);
    }

    @Test
    void typeFiltersAreAnsweredExactlyOrRefused() throws Exception {
        String programme = fixtures.programme(List.of("Patient", "Observation", "Encounter"));
        fixtures.consent(fixtures.citizen("alice"), programme, List.of(fixtures.demoSource), null);
        fixtures.consent(fixtures.citizen("bob"), programme, List.of(fixtures.demoSource), null);
        String permit = fixtures.approvedPermit(programme, List.of("Patient", "Observation", "Encounter"),
                "Filter study");
        String base = http.base() + "/fhir/" + permit;
        JsonNode anObservation = http.get("/fhir/" + permit + "/Observation?_count=1", researcher).json()
                .get("entry").get(0).get("resource");
        JsonNode coding = anObservation.get("code").get("coding").get(0);
        String code = coding.get("system").asText() + "|" + coding.get("code").asText();
        int byCode = http.get("/fhir/" + permit + "/Observation?_count=1&code=" + encode(code), researcher).json()
                .get("total").asInt();
        assertThat(byCode).isPositive();
        String when = anObservation.get("effectiveDateTime").asText().substring(0, 10);
        int byCodeAndDate = http.get("/fhir/" + permit + "/Observation?_count=1&code=" + encode(code) + "&date=ge"
                + when, researcher).json().get("total").asInt();

        JsonNode filtered = manifest(poll(kickOff(base + "/$export?_type=Observation&_typeFilter="
                + encode("Observation?code=" + encode(code)), researcher), researcher));
        assertThat(filtered.get("output").get(0).get("count").asInt()).isEqualTo(byCode);
        JsonNode dated = manifest(poll(kickOff(base + "/$export?_type=Observation&_typeFilter="
                + encode("Observation?code=" + encode(code) + "&date=ge" + when), researcher), researcher));
        assertThat(dated.get("output").get(0).get("count").asInt()).isEqualTo(byCodeAndDate);

        // _elements: what was asked, the id and what the type must have; nothing else.
        JsonNode slim = manifest(poll(kickOff(base + "/$export?_type=Observation&_elements=Observation.code",
                researcher), researcher));
        List<Resource> observations = parse(get(slim.get("output").get(0).get("url").asText(), researcher).body());
        assertThat(observations).isNotEmpty().allSatisfy(r -> {
            Observation o = (Observation) r;
            assertThat(o.hasCode()).isTrue();
            assertThat(o.hasStatus()).isTrue();
            assertThat(o.hasEffective()).isFalse();
            assertThat(o.hasSubject()).isFalse();
        });

        for (String refused : List.of("Observation?value-quantity=gt5", "Observation?code:not=" + encode(code),
                "Encounter?code=x", "Observation?date=ne2020-01-01", "Condition?code=x")) {
            HttpResponse<String> reply = get(base + "/$export?_typeFilter=" + encode(refused), researcher,
                    "Prefer", "respond-async");
            assertThat(reply.statusCode()).as(refused + ": " + reply.body()).isEqualTo(400);
            assertThat(reply.body()).contains("OperationOutcome");
        }
        HttpResponse<String> twice = get(base + "/$export?_typeFilter=" + encode("Observation?code=a") + "&_typeFilter="
                + encode("Observation?code=b"), researcher, "Prefer", "respond-async");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(get(base + "/$export?_elements=Observation.value.unit", researcher, "Prefer", "respond-async")
                .statusCode()).isEqualTo(400);
        assertThat(get(base + "/$export?_elements=nonsense", researcher, "Prefer", "respond-async").statusCode())
                .isEqualTo(400);
        for (String format : List.of("ndjson", "application/ndjson", "application/fhir+ndjson")) {
            assertThat(get(base + "/$export?_type=Patient&_outputFormat=" + encode(format), researcher, "Prefer",
                    "respond-async").statusCode()).as(format).isEqualTo(202);
        }
    }

    private static JsonNode manifest(HttpResponse<String> done) {
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        return OperatorHttp.JSON.readTree(done.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
