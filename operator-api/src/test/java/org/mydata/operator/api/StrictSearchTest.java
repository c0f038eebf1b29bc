package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * FHIR search answered exactly or refused (issue 12): each wrong answer the gateway used to give silently,
 * asked again over real HTTP of the whole operator, with the demo source's Synthea data behind it.
 */
class StrictSearchTest extends OperatorTestBase {
    private static final List<String> TYPES = List.of("Patient", "Observation", "Condition", "Encounter",
            "Immunization", "MedicationRequest");
    private static String permit;
    private static String researcher;

    @BeforeEach
    void permitOverAlice() {
        if (permit != null) {
            return;
        }
        ResearchFixtures fixtures = new ResearchFixtures(http);
        String programme = fixtures.programme(TYPES);
        fixtures.consent(fixtures.citizen("alice"), programme, List.of(fixtures.demoSource), null);
        researcher = fixtures.researcher;
        // The coded values of the demo data (value-concept) are mostly survey and social-history answers,
        // which a permit releases only when its scope names those categories (the default is vital signs and
        // laboratory).
        permit = fixtures.approve(fixtures.request(programme, Map.of("resourceTypes", TYPES,
                "observationCategories", List.of("vital-signs", "laboratory", "survey", "social-history")),
                "Strict search study"));
    }

    @Test
    void notExcludesExactlyWhatThePlainSearchFinds() {
        int all = total("Observation");
        JsonNode first = search("Observation?_count=1").get("entry").get(0).get("resource");
        String code = first.get("code").get("coding").get(0).get("code").asText();
        String id = first.get("id").asText();

        int with = total("Observation?code=" + code);
        int without = total("Observation?code:not=" + code);
        assertThat(with).isPositive();
        assertThat(with + without).isEqualTo(all);
        for (JsonNode entry : entries(search("Observation?_count=50&code:not=" + code))) {
            assertThat(entry.get("code").toString()).doesNotContain("\"" + code + "\"");
        }
        assertThat(total("Observation?_id:not=" + id)).isEqualTo(all - 1);
        assertThat(total("Observation?_id=" + id)).isEqualTo(1);
    }

    @Test
    void everyDatePrefixIsAnsweredOnTheShiftedDate() {
        int all = total("Encounter");
        List<JsonNode> encounters = entries(search("Encounter?_count=500&_sort=date"));
        assertThat(encounters).hasSize(all);
        // The day of the first released start, as the operator's clock reads a date without a zone.
        LocalDate day = instant(encounters.get(0).get("period").get("start")).atZone(ZoneId.systemDefault())
                .toLocalDate();
        // eq asks that the whole released period lie within the day: with the time of day shifted too, a visit
        // may end after midnight although it began that day (FHIR search, "date"). So the count is computed from
        // the released periods themselves, and the day of a visit that does lie within one day must find it.
        Instant from = day.atStartOfDay(ZoneId.systemDefault()).toInstant();
        Instant until = day.plusDays(1).atStartOfDay(ZoneId.systemDefault()).toInstant();
        long within = encounters.stream().map(e -> e.get("period")).filter(p -> p.has("start") && p.has("end")
                && !instant(p.get("start")).isBefore(from)
                && !instant(p.get("end")).plusSeconds(1).isAfter(until)).count();

        int eq = total("Encounter?date=eq" + day);
        assertThat(eq).isEqualTo(within);
        assertThat(eq + total("Encounter?date=ne" + day)).isEqualTo(all);
        assertThat(total("Encounter?date=lt" + day)).isZero();
        assertThat(total("Encounter?date=ge" + day)).isEqualTo(all);
        assertThat(total("Encounter?date=ap" + day)).isPositive();
        assertThat(total("Encounter?date=eb" + day)).isZero();
        assertThat(total("Encounter?date=ge" + day + "&date=le" + day)).isEqualTo(eq);
        JsonNode withinADay = encounters.stream().map(e -> e.get("period")).filter(p -> p.has("end")
                && instant(p.get("start")).atZone(ZoneId.systemDefault()).toLocalDate()
                .equals(instant(p.get("end")).atZone(ZoneId.systemDefault()).toLocalDate())).findFirst().orElseThrow();
        String itsDay = instant(withinADay.get("start")).atZone(ZoneId.systemDefault()).toLocalDate().toString();
        assertThat(total("Encounter?date=eq" + itsDay)).isPositive();
        assertThat(total("Encounter?date=sa" + itsDay) + total("Encounter?date=eb" + itsDay)
                + total("Encounter?date=ap" + itsDay)).isEqualTo(all);
        assertThat(total("Condition?onset-date=gt1900")).isEqualTo(total("Condition"));
    }

    @Test
    void sortOnTheDateAndIdAndTheOtherResultParameters() {
        List<String> ascending = dates(search("Encounter?_sort=date&_count=500"));
        List<String> descending = dates(search("Encounter?_sort=-date&_count=500"));
        assertThat(ascending).isSorted().hasSizeGreaterThan(1);
        assertThat(descending).isSortedAccordingTo((a, b) -> b.compareTo(a));
        List<String> ids = new ArrayList<>();
        entries(search("Encounter?_sort=-_id&_count=500")).forEach(e -> ids.add(e.get("id").asText()));
        assertThat(ids).isSortedAccordingTo((a, b) -> b.compareTo(a));

        JsonNode countOnly = search("Encounter?_count=0");
        assertThat(countOnly.get("total").asInt()).isEqualTo(total("Encounter"));
        assertThat(countOnly.has("entry")).isFalse();
        JsonNode elements = search("Encounter?_elements=status&_count=1").get("entry").get(0).get("resource");
        assertThat(elements.has("period")).isFalse();
        assertThat(elements.has("status")).isTrue();
    }

    @Test
    void theParametersR4DefinesForATypeAreAnsweredAndNoOthers() {
        JsonNode immunization = search("Immunization?_count=1").get("entry").get(0).get("resource");
        String vaccine = immunization.get("vaccineCode").get("coding").get(0).get("code").asText();
        assertThat(total("Immunization?vaccine-code=" + vaccine)).isPositive();
        JsonNode encounter = search("Encounter?_count=1").get("entry").get(0).get("resource");
        String type = encounter.get("type").get(0).get("coding").get(0).get("code").asText();
        assertThat(total("Encounter?type=" + type)).isPositive();
        String patient = search("Patient").get("entry").get(0).get("resource").get("id").asText();
        assertThat(total("Encounter?patient=" + patient)).isEqualTo(total("Encounter"));
        assertThat(total("Encounter?subject=Patient/" + patient)).isEqualTo(total("Encounter"));
        String visit = search("Observation?_count=1").get("entry").get(0).get("resource").get("encounter")
                .get("reference").asText();
        assertThat(visit).startsWith("Encounter/");
        assertThat(total("Observation?encounter=" + visit)).isPositive();
        assertThat(total("Observation?encounter=" + visit.substring("Encounter/".length()))).isPositive();

        refused("Encounter?code=x", "code");
        refused("Encounter?category=x", "category");
        refused("Immunization?code=x", "code");
        refused("Condition?date=ge2020", "date");
    }

    @Test
    void whatTheGatewayCannotAnswerExactlyIsA400NamingIt() {
        refused("Observation?code:text=glucose", ":text");
        refused("Observation?code:missing=true", ":missing");
        refused("Observation?code:in=http://example.org/vs", ":in");
        refused("Observation?patient.gender=female", "patient.gender");
        refused("Observation?_tag=x", "_tag");
        refused("Observation?_profile=http://example.org/p", "_profile");
        refused("Observation?_security=R", "_security");
        refused("Observation?_text=x", "_text");
        refused("Observation?_content=x", "_content");
        refused("Observation?_list=x", "_list");
        refused("Observation?_language=en", "_language");
        refused("Observation?_has:Observation:patient:code=x", "_has");
        refused("Observation?_sort=status", "status");
        refused("Observation?_xyz=1", "_xyz");
        refused("Observation?_include:iterate=Observation:patient", "_include:iterate");
        refused("Observation?_include=Encounter:patient", "Encounter:patient");
        refused("Observation?_include=Observation:performer", "Observation:performer");
        refused("Encounter?_include=Encounter:reason-reference:Procedure", "Procedure");
        refused("Patient?_revinclude=Observation:patient", "_revinclude");
        refused("Observation?_lastUpdated=gt2020", "_lastUpdated");
        refused("Observation?identifier=x", "identifier");
        refused("Observation?date=notadate", "date");
        refused("Observation?_count=-1", "_count");
        refused("Observation?_count=501", "_count");
        refused("Observation?_count=many", "_count");
        refused("Observation?_summary=everything", "_summary");
        refused("Observation?_elements=nonsense", "nonsense");
        refused("Observation?code=", "code");
        refused("Observation?subject=Group/1", "Group/1");
        refused("Observation?_id:above=x", ":above");
    }

    @Test
    void includeBringsAlongTheReleasedResourcesThePageRefersTo() {
        JsonNode bundle = search("Observation?_count=5&_include=Observation:patient&_include=Observation:encounter");
        Set<String> referenced = new HashSet<>();
        Set<String> included = new HashSet<>();
        int matches = 0;
        for (JsonNode entry : bundle.get("entry")) {
            JsonNode resource = entry.get("resource");
            if (entry.path("search").path("mode").asText().equals("include")) {
                included.add(resource.get("resourceType").asText() + "/" + resource.get("id").asText());
            } else {
                matches++;
                referenced.add(resource.get("subject").get("reference").asText());
                if (resource.has("encounter")) {
                    referenced.add(resource.get("encounter").get("reference").asText());
                }
            }
        }
        assertThat(matches).isEqualTo(5);
        assertThat(included).isEqualTo(referenced);
        assertThat(included).anyMatch(r -> r.startsWith("Patient/")).anyMatch(r -> r.startsWith("Encounter/"));
    }

    @Test
    void leniencyIgnoresWhatItMustAndSaysSo() {
        HttpResponse<String> reply = http.exchange("GET", base() + "Observation?_tag=x&code:text=y&_count=1", researcher,
                null, Duration.ofSeconds(60), "Prefer", "handling=lenient");
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        JsonNode bundle = OperatorHttp.JSON.readTree(reply.body());
        assertThat(bundle.get("total").asInt()).isEqualTo(total("Observation"));
        JsonNode outcome = null;
        for (JsonNode entry : bundle.get("entry")) {
            if (entry.path("search").path("mode").asText().equals("outcome")) {
                outcome = entry.get("resource");
            }
        }
        assertThat(outcome).isNotNull();
        assertThat(outcome.get("resourceType").asText()).isEqualTo("OperationOutcome");
        // Every entry says why it is there, and each has a fullUrl, the outcome's a urn:uuid.
        for (JsonNode entry : bundle.get("entry")) {
            assertThat(entry.path("search").path("mode").asText()).isIn("match", "outcome");
            assertThat(entry.path("fullUrl").asText()).isNotBlank();
        }
        assertThat(outcome.toString()).contains("_tag").contains(":text");
        assertThat(http.exchange("GET", base() + "Observation?_tag=x", researcher, null, Duration.ofSeconds(60),
                "Prefer", "handling=strict").statusCode()).isEqualTo(400);
    }

    @Test
    void pagingKeepsTheSummaryAndNeverLoops() {
        JsonNode page = search("Encounter?_count=2&_summary=text");
        Set<String> seen = new HashSet<>();
        int pages = 0;
        while (page != null && pages < 4) {
            for (JsonNode entry : page.get("entry")) {
                assertThat(entry.get("resource").has("period")).as("summary elements only").isFalse();
                assertThat(seen.add(entry.get("resource").get("id").asText())).isTrue();
            }
            String next = link(page, "next");
            assertThat(next).isNotEqualTo(link(page, "self"));
            page = next == null ? null : follow(next);
            pages++;
        }
        assertThat(pages).isEqualTo(4);
        refused("?_getpages=x&_getpagesoffset=0&_count=-1", "_count");
    }

    @Test
    void aMissingResourceIsNotFound() {
        OperatorHttp.Reply missing = http.get(base() + "Observation/does-not-exist", researcher);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("issue").get(0).get("code").asText()).isEqualTo("not-found");
        refused("Observation/does-not-exist?_summary=everything", "_summary");
        refused("Observation/does-not-exist?code=x", "code");
    }

    @Test
    void theCapabilityStatementListsExactlyWhatIsAnsweredAndValidates() {
        OperatorHttp.Reply metadata = http.get(base() + "metadata", researcher);
        FhirContext fhir = FhirContext.forR4Cached();
        FhirValidator validator = fhir.newValidator().registerValidatorModule(new FhirInstanceValidator(
                new ValidationSupportChain(new DefaultProfileValidationSupport(fhir),
                        new CommonCodeSystemsTerminologyService(fhir), new InMemoryTerminologyServerValidationSupport(fhir),
                        new SnapshotGeneratingValidationSupport(fhir))));
        ValidationResult result = validator.validateWithResult(fhir.newJsonParser().parseResource(metadata.body()));
        assertThat(result.getMessages().stream().filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
                .map(m -> m.getLocationString() + " " + m.getMessage()).toList()).isEmpty();
        JsonNode statement = metadata.json();
        for (JsonNode resource : statement.get("rest").get(0).get("resource")) {
            Set<String> names = new HashSet<>();
            resource.path("searchParam").forEach(p -> names.add(p.get("name").asText()));
            assertThat(resource.has("searchRevInclude")).isFalse();
            if (resource.get("type").asText().equals("Observation")) {
                List<String> includes = new ArrayList<>();
                resource.path("searchInclude").forEach(i -> includes.add(i.asText()));
                assertThat(includes).contains("Observation:patient", "Observation:encounter")
                        .doesNotContain("Observation:performer", "Observation:specimen");
            }
            switch (resource.get("type").asText()) {
                case "Encounter" -> assertThat(names).contains("date", "type", "patient", "_id")
                        .doesNotContain("code", "category", "identifier", "practitioner");
                case "Immunization" -> assertThat(names).contains("vaccine-code", "date")
                        .doesNotContain("code", "subject", "lot-number");
                case "Condition" -> assertThat(names).contains("onset-date", "code").doesNotContain("date",
                        "recorded-date");
                case "Observation" -> assertThat(names).contains("code", "date", "combo-code")
                        .doesNotContain("_lastUpdated", "identifier", "performer", "value-string");
                default -> {
                }
            }
            // Every parameter it lists answers (a value that matches nothing, but not a 400).
            if (TYPES.contains(resource.get("type").asText())) {
                for (JsonNode parameter : resource.path("searchParam")) {
                    String name = parameter.get("name").asText();
                    String value = switch (parameter.get("type").asText()) {
                        case "date" -> "ge2000";
                        case "reference" -> "x";
                        default -> name.equals("_id") ? "x" : "http://example.org|x";
                    };
                    OperatorHttp.Reply reply = http.get(base() + resource.get("type").asText() + "?_summary=count&"
                            + name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8), researcher);
                    assertThat(reply.status()).as(resource.get("type").asText() + "?" + name + " " + reply.body())
                            .isEqualTo(200);
                }
            }
        }
    }

    /**
     * The token parameters on a choice element ({@code Observation.value as CodeableConcept}, also in components)
     * find exactly the observations whose released value is that concept: they used to fail every time inside the
     * gateway, reported as the source's outage (502).
     */
    @Test
    void valueConceptFindsTheObservationsWithThatValue() {
        JsonNode withConcept = null;
        // Where the demo data's coded values are: the permit's scope names these categories.
        JsonNode page = search("Observation?_count=500&category=survey,social-history");
        for (JsonNode entry : entries(page)) {
            if (entry.has("valueCodeableConcept") && entry.get("valueCodeableConcept").has("coding")) {
                withConcept = entry;
                break;
            }
        }
        assertThat(withConcept).as("an observation with a coded value in the demo data").isNotNull();
        JsonNode coding = withConcept.get("valueCodeableConcept").get("coding").get(0);
        String token = coding.get("system").asText() + "|" + coding.get("code").asText();
        String query = "value-concept=" + URLEncoder.encode(token, StandardCharsets.UTF_8);

        JsonNode found = search("Observation?_count=500&" + query);
        assertThat(found.get("total").asInt()).isPositive();
        for (JsonNode entry : entries(found)) {
            assertThat(entry.get("valueCodeableConcept").toString()).contains("\"" + coding.get("code").asText() + "\"");
        }
        assertThat(total("Observation?" + query) + total("Observation?value-concept:not="
                + URLEncoder.encode(token, StandardCharsets.UTF_8))).isEqualTo(total("Observation"));
        assertThat(total("Observation?combo-" + query)).isGreaterThanOrEqualTo(found.get("total").asInt());
        assertThat(search("Observation?_summary=count&component-value-concept=http%3A%2F%2Fexample.org%7Cx")
                .get("total").asInt()).isZero();
    }

    /** {@code _elements} keeps what the type must have (Observation.status and code), so the result stays valid. */
    @Test
    void elementsKeepsTheMandatoryElements() {
        JsonNode bundle = search("Observation?_count=3&_elements=subject");
        assertThat(entries(bundle)).isNotEmpty().allSatisfy(observation -> {
            assertThat(observation.has("status")).as(observation.toString()).isTrue();
            assertThat(observation.has("code")).isTrue();
            assertThat(observation.has("subject")).isTrue();
            assertThat(observation.has("effectiveDateTime") || observation.has("effectivePeriod")).isFalse();
        });
        assertThat(bundle.get("entry").get(0).path("search").path("mode").asText()).isEqualTo("match");
    }

    // --- helpers ---------------------------------------------------------------------------------

    private String base() {
        return "/fhir/" + permit + "/";
    }

    private JsonNode search(String query) {
        OperatorHttp.Reply reply = http.get(base() + query, researcher);
        assertThat(reply.status()).as(query + ": " + reply.body()).isEqualTo(200);
        return reply.json();
    }

    private JsonNode follow(String url) {
        OperatorHttp.Reply reply = http.get(url.substring(url.indexOf("/fhir/")), researcher);
        assertThat(reply.status()).as(url + ": " + reply.body()).isEqualTo(200);
        return reply.json();
    }

    private int total(String query) {
        return search(query + (query.contains("?") ? "&" : "?") + "_summary=count").get("total").asInt();
    }

    private void refused(String query, String named) {
        OperatorHttp.Reply reply = http.get(base() + query, researcher);
        assertThat(reply.status()).as(query + ": " + reply.body()).isEqualTo(400);
        assertThat(reply.json().get("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(reply.body()).as(query).contains(named);
    }

    private static List<JsonNode> entries(JsonNode bundle) {
        List<JsonNode> resources = new ArrayList<>();
        bundle.path("entry").forEach(e -> resources.add(e.get("resource")));
        return resources;
    }

    /** A released dateTime (the demo data's are whole seconds with an offset) as an instant. */
    private static Instant instant(JsonNode dateTime) {
        return OffsetDateTime.parse(dateTime.asText()).toInstant();
    }

    private static List<String> dates(JsonNode bundle) {
        return entries(bundle).stream().map(r -> r.get("period").get("start").asText()).toList();
    }

    private static String link(JsonNode bundle, String relation) {
        for (JsonNode link : bundle.path("link")) {
            if (link.get("relation").asText().equals(relation)) {
                return link.get("url").asText();
            }
        }
        return null;
    }
}
