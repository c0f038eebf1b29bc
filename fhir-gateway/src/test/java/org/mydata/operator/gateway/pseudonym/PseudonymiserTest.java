package org.mydata.operator.gateway.pseudonym;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.param.DateParam;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.gateway.search.DateMatch;
import org.mydata.operator.gateway.search.Interval;
import org.mydata.operator.permit.Permits.PseudonymKey;

class PseudonymiserTest {
    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UUID SOURCE = UUID.fromString("6f1c2a3e-0000-4000-8000-000000000001");
    private static final UUID ACCOUNT = UUID.fromString("6f1c2a3e-0000-4000-8000-000000000002");
    private static final String BASE = "http://source.example/fhir";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
    private static List<Resource> dataset;

    /** A plan that releases every code of the demo data and the person's birth year as it is (k-checks aside). */
    private static ReleasePlan everything;
    private Pseudonymiser pseudonymiser;

    private static ReleasePlan plan(Integer bandStart, Set<String> guarded) {
        Set<String> codes = new HashSet<>();
        for (Resource r : dataset) {
            ca.uhn.fhir.util.FhirTerser terser = FHIR.newTerser();
            for (org.hl7.fhir.r4.model.Coding c : terser.getAllPopulatedChildElementsOfType(r,
                    org.hl7.fhir.r4.model.Coding.class)) {
                codes.add(c.getSystem() + "|" + c.getCode());
            }
        }
        return new ReleasePlan(2, 2026, new ReleasePlan.Scheme(1, true, true, true),
                Map.of(ACCOUNT, new ReleasePlan.PersonPlan(bandStart, guarded)), codes, Map.of(),
                new ReleasePlan.Figures(1, 0, 0, 0, 0, 1, 0, 0, 0, 0));
    }

    private static Pseudonymiser withPlan(ReleasePlan plan, List<String> types) {
        return new Pseudonymiser(new PseudonymKey(new byte[32]), types,
                org.mydata.operator.programme.DataScope.OBSERVATION_CATEGORIES, plan, CLOCK);
    }

    @org.junit.jupiter.api.BeforeEach
    void everything() {
        everything = plan(1978, Set.of());
        pseudonymiser = withPlan(everything, BrokeredTypes.names());
    }

    @BeforeAll
    static void load() throws IOException {
        IParser parser = FHIR.newJsonParser();
        dataset = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                PseudonymiserTest.class.getResourceAsStream(DemoFhirSource.DATASET)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                Resource resource = (Resource) parser.parseResource(line);
                if (BrokeredTypes.named(resource.fhirType()).isPresent()) {
                    dataset.add(resource);
                }
            }
        }
    }

    /** The person a dataset resource is about, as the broker would name them. */
    private static Pseudonymiser.Person personOf(Resource resource) {
        String patient = resource instanceof Patient ? resource.getIdElement().getIdPart()
                : BrokeredTypes.of(resource.fhirType()).subject().apply(resource).getReferenceElement().getIdPart();
        return new Pseudonymiser.Person(ACCOUNT, SOURCE, BASE, patient);
    }

    /**
     * The allowlist, checked from outside the walk: every element path of every released resource of the demo
     * dataset, read off its JSON, is one the type's profile names (flattened by the loader), nothing else.
     */
    @Test
    void releasesOnlyWhatTheProfilesName() throws IOException {
        IParser parser = FHIR.newJsonParser();
        DeidentificationProfiles profiles = DeidentificationProfiles.standard();
        Map<String, Set<String>> allowed = new TreeMap<>();
        // A pseudonymised reference leaves as its reference element alone.
        BrokeredTypes.names().forEach(type -> allowed.put(type, new HashSet<>(profiles.released(type).stream()
                .map(line -> line.endsWith(" pseudonymise") ? line.substring(0, line.indexOf(' ')) + ".reference"
                        : line.substring(0, line.indexOf(' '))).toList())));
        Map<String, Integer> releasedPaths = new TreeMap<>();
        int released = 0;
        for (Resource original : dataset) {
            Optional<Resource> out = pseudonymiser.apply(original.copy(), personOf(original));
            assertThat(out).as(original.getIdElement().getValue()).isPresent();
            released++;
            String type = original.fhirType();
            List<String> paths = new ArrayList<>();
            paths(type, JSON.readTree(parser.encodeResourceToString(out.get())), paths);
            for (String path : paths) {
                assertThat(allowed.get(type)).as("%s released from %s", path, original.getIdElement().getValue())
                        .contains(path);
                releasedPaths.merge(path, 1, Integer::sum);
            }
        }
        assertThat(released).isGreaterThan(20_000);
        // The walk must not be an allowlist of nothing: the data researchers come for is there.
        assertThat(releasedPaths).containsKeys("Observation.code.coding.code", "Observation.valueQuantity.value",
                "Observation.effectiveDateTime", "Observation.subject.reference", "Condition.onsetDateTime",
                "Patient.gender", "Patient.birthDate", "Encounter.period.start", "Encounter.class.code",
                "MedicationRequest.medicationCodeableConcept.coding.code", "DiagnosticReport.result.reference",
                "Observation.component.valueQuantity.value", "Observation.code.coding.display");
    }

    private static void paths(String path, JsonNode node, List<String> into) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if (!(path.indexOf('.') < 0 && (field.getKey().equals("resourceType") || field.getKey().equals("id")))) {
                    paths(path + "." + field.getKey(), field.getValue(), into);
                }
            });
        } else if (node.isArray()) {
            node.forEach(element -> paths(path, element, into));
        } else {
            into.add(path);
        }
    }

    @Test
    void dropsFreeTextStampsIdentifiersAndTheSurveysAddress() {
        IParser parser = FHIR.newJsonParser();
        int surveys = 0;
        for (Resource original : dataset) {
            String before = parser.encodeResourceToString(original);
            String out = parser.encodeResourceToString(pseudonymiser.apply(original.copy(), personOf(original)).orElseThrow());
            assertThat(out).doesNotContain("\"meta\"", "\"text\"", "\"identifier\"", "\"valueString\"", "\"display\":\"Dr.",
                    "\"extension\"", "\"note\"", original.getIdElement().getIdPart());
            if (original instanceof Observation o && o.getCode().getCodingFirstRep().getCode().equals("93025-5")) {
                surveys++;
                for (Observation.ObservationComponentComponent c : o.getComponent()) {
                    if (c.hasValueStringType()) {
                        assertThat(out).doesNotContain(c.getValueStringType().getValue());
                    }
                }
            }
            assertThat(before).isNotEqualTo(out);
        }
        assertThat(surveys).as("the demo data hold the social-needs survey").isPositive();
    }

    @Test
    void shiftsClinicalDatesByThePersonsOffsetAndGeneralisesTheBirthDate() {
        int shift = pseudonymiser.dayShift(ACCOUNT);
        assertThat(shift).isNotZero().isBetween(-182, 182);
        long seconds = pseudonymiser.shiftSeconds(ACCOUNT);
        assertThat(Math.floorMod(seconds, 86_400L)).as("a time of day of its own").isNotZero();
        Observation observation = (Observation) dataset.stream().filter(r -> r instanceof Observation o
                && o.hasEffectiveDateTimeType()).findFirst().orElseThrow();
        Instant at = observation.getEffectiveDateTimeType().getValue().toInstant();
        Observation out = (Observation) pseudonymiser.apply(observation.copy(), personOf(observation)).orElseThrow();
        assertThat(out.getEffectiveDateTimeType().getValue().toInstant()).isEqualTo(at.plusSeconds(seconds));

        // The birth year is the plan's band, whatever the source says; a death becomes a boolean.
        Patient young = new Patient().setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1978-10-29"));
        young.setId("p1");
        young.setDeceased(new org.hl7.fhir.r4.model.DateTimeType("2020-01-02T10:00:00Z"));
        Patient released = (Patient) pseudonymiser.apply(young, person("p1")).orElseThrow();
        assertThat(released.getBirthDateElement().getValueAsString()).isEqualTo("1978");
        assertThat(released.getDeceased()).isInstanceOf(org.hl7.fhir.r4.model.BooleanType.class);
        Pseudonymiser banded = withPlan(new ReleasePlan(2, 2026, new ReleasePlan.Scheme(5, false, false, false),
                Map.of(ACCOUNT, new ReleasePlan.PersonPlan(1936, Set.of())), Set.of(), Map.of(),
                new ReleasePlan.Figures(1, 0, 0, 0, 0, 1, 0, 0, 0, 0)), BrokeredTypes.names());
        Patient old = new Patient().setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1931-03-02"));
        old.setId("p2");
        old.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.FEMALE);
        old.setDeceased(new org.hl7.fhir.r4.model.BooleanType(true));
        Patient top = (Patient) banded.apply(old, person("p2")).orElseThrow();
        assertThat(top.getBirthDateElement().getValueAsString()).as("over 89: the band starts at 90 years before today")
                .isEqualTo("1936");
        assertThat(top.getExtensionByUrl(Pseudonymiser.BIRTH_YEAR_BAND)).isNotNull();
        assertThat(top.hasGender()).as("the plan generalises sex away").isFalse();
        assertThat(top.hasDeceased()).isFalse();

        // A date before the released birth year, or on a day an outsider may know, does not leave.
        Observation early = new Observation();
        early.setId("o-early");
        early.addCategory().addCoding().setSystem(Pseudonymiser.OBSERVATION_CATEGORY).setCode("vital-signs");
        early.getCode().addCoding().setSystem("http://loinc.org").setCode("8302-2");
        early.setSubject(new Reference("Patient/p2"));
        early.setEffective(new org.hl7.fhir.r4.model.DateTimeType("1934-06-01T08:00:00Z"));
        Observation onBirthday = early.copy();
        Observation keptEarly = (Observation) withPlan(new ReleasePlan(2, 2026, new ReleasePlan.Scheme(5, false, false,
                false), Map.of(ACCOUNT, new ReleasePlan.PersonPlan(1936, Set.of())), Set.of("http://loinc.org|8302-2"),
                Map.of(), new ReleasePlan.Figures(1, 0, 0, 0, 0, 1, 0, 0, 0, 0)), BrokeredTypes.names())
                .apply(early, person("p2")).orElseThrow();
        assertThat(keptEarly.hasEffective()).isFalse();
        onBirthday.setEffective(new org.hl7.fhir.r4.model.DateTimeType("1978-10-29T08:00:00Z"));
        String tag = new org.mydata.operator.permit.PermitPseudonyms(new PseudonymKey(new byte[32]))
                .dayTag(ACCOUNT, LocalDate.parse("1978-10-29"));
        Observation guarded = (Observation) withPlan(plan(1978, Set.of(tag)), BrokeredTypes.names())
                .apply(onBirthday, person("p1")).orElseThrow();
        assertThat(guarded.hasEffective()).as("an event on the birth day would give the offset away").isFalse();
    }

    /**
     * With a time of day in the offset, a released time lands on a day other than the source's day plus the day
     * shift whenever the two add up past midnight; search answers on the released value's own day.
     */
    @Test
    void aDateSearchAnswersOnTheReleasedDayWhenTheShiftCrossesMidnight() {
        long seconds = pseudonymiser.shiftSeconds(ACCOUNT);
        ZoneId zone = ZoneId.systemDefault();
        Instant releasedAt = LocalDate.parse("2021-03-10").atStartOfDay(zone).toInstant();
        Instant sourceAt = releasedAt.minusSeconds(seconds);
        Observation visit = new Observation();
        visit.setId("o-midnight");
        visit.addCategory().addCoding().setSystem(Pseudonymiser.OBSERVATION_CATEGORY).setCode("vital-signs");
        visit.getCode().addCoding().setSystem("http://loinc.org").setCode("8302-2");
        visit.setSubject(new Reference("Patient/p1"));
        visit.setEffective(new org.hl7.fhir.r4.model.DateTimeType(java.util.Date.from(sourceAt),
                ca.uhn.fhir.model.api.TemporalPrecisionEnum.SECOND, java.util.TimeZone.getTimeZone(zone)));
        Observation out = (Observation) pseudonymiser.apply(visit, person("p1")).orElseThrow();

        Interval released = Interval.of(out.getEffective());
        assertThat(Instant.ofEpochMilli(released.start())).isEqualTo(releasedAt);
        LocalDate sourceDayShifted = sourceAt.atZone(zone).toLocalDate().plusDays(pseudonymiser.dayShift(ACCOUNT));
        assertThat(sourceDayShifted).as("the time of day carries the value past midnight").isEqualTo("2021-03-09");
        assertThat(DateMatch.matches(released, new DateParam("eq2021-03-10"))).isTrue();
        assertThat(DateMatch.matches(released, new DateParam("eq2021-03-09"))).isFalse();
        assertThat(DateMatch.matches(released, new DateParam("gt2021-03-09"))).isTrue();
        assertThat(DateMatch.matches(released, new DateParam("le2021-03-10"))).isTrue();
        assertThat(DateMatch.matches(released, new DateParam("lt2021-03-10"))).isFalse();
        assertThat(DateMatch.matches(released, new DateParam("sa2021-03-09"))).isTrue();
        assertThat(DateMatch.matches(released, new DateParam("eb2021-03-11"))).isTrue();
        assertThat(DateMatch.matches(released, new DateParam("ne2021-03-10"))).isFalse();
        assertThat(DateMatch.matches(released, new DateParam("ap2021-03-10"))).isTrue();
    }

    @Test
    void onePatientPerPersonAndReferencesOnlyToReleasedTypesOfTheSameSource() {
        Pseudonymiser onlyObservations = withPlan(everything, List.of("Patient", "Observation"));
        Patient patient = new Patient();
        patient.setId("source-patient");
        assertThat(onlyObservations.apply(patient, person("source-patient")).orElseThrow().getIdElement().getIdPart())
                .isEqualTo(onlyObservations.person(ACCOUNT));

        DiagnosticReport report = new DiagnosticReport();
        report.setId("r1");
        report.setSubject(new Reference(BASE + "/Patient/source-patient").setDisplay("Mrs. Alesha Heidenreich"));
        report.setEncounter(new Reference("Encounter/e1"));
        report.addResult(new Reference("Observation/o1").setDisplay("Leukocytes"));
        report.addResult(new Reference("http://elsewhere.example/fhir/Observation/o2"));
        report.addResult(new Reference("Patient/someone-else"));
        report.addPerformer(new Reference("Practitioner/dr"));
        DiagnosticReport out = (DiagnosticReport) onlyObservations.apply(report, person("source-patient")).orElseThrow();
        assertThat(out.getSubject().getReference()).isEqualTo("Patient/" + onlyObservations.person(ACCOUNT));
        assertThat(out.getSubject().hasDisplay()).isFalse();
        assertThat(out.hasEncounter()).as("the permit does not release Encounter").isFalse();
        assertThat(out.getResult()).extracting(Reference::getReference)
                .containsExactly("Observation/" + onlyObservations.id("Observation", SOURCE, "o1"));
        assertThat(out.hasPerformer()).isFalse();
        assertThat(onlyObservations.person(ACCOUNT)).isNotEqualTo(pseudonymiser.id("Patient", SOURCE, "source-patient"));
        assertThat(new Pseudonymiser(new PseudonymKey(new byte[] {1}), BrokeredTypes.names(), CLOCK).person(ACCOUNT))
                .as("another permit's pseudonym").isNotEqualTo(pseudonymiser.person(ACCOUNT));
    }

    @Test
    void aResourceWhoseMeaningIsModifiedIsNotReleased() {
        Observation observation = new Observation();
        observation.setId("o1");
        observation.setSubject(new Reference("Patient/source-patient"));
        observation.addModifierExtension(new Extension("http://example.org/negated", new StringType("true")));
        assertThat(pseudonymiser.apply(observation, person("source-patient"))).isEmpty();
    }

    @Test
    void aProfileThatNamesWhatR4DoesNotHaveOrMisusesAnActionIsRefused() {
        String yaml = """
                datatypes:
                  Coding:
                    system: keep
                types:
                  Observation:
                    status: keep
                    cod: keep
                    code: Coding
                    issued: pseudonymise
                    valueString: shift
                    subject: keep
                """;
        assertThatThrownBy(() -> DeidentificationProfiles.load(
                new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), FHIR))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Observation.cod: not an element")
                .hasMessageContaining("Observation.code: is a CodeableConcept, not a Coding")
                .hasMessageContaining("Observation.issued: only references are pseudonymised")
                .hasMessageContaining("Observation.valueString: only dates")
                .hasMessageContaining("Observation.subject: keep releases primitive values only")
                .hasMessageContaining("types.Patient: a brokered type without a profile");
    }

    private static Pseudonymiser withCategories(List<String> categories) {
        return new Pseudonymiser(new PseudonymKey(new byte[32]), BrokeredTypes.names(), categories, everything, CLOCK);
    }

    @Test
    void socialNeedsAnswersRecordedAsConditionsLeaveOnlyWithSocialHistoryInScope() {
        List<org.hl7.fhir.r4.model.Condition> social = dataset.stream()
                .filter(r -> r instanceof org.hl7.fhir.r4.model.Condition c && c.getCode().getCoding().stream()
                        .anyMatch(k -> k.getCode().equals("706893006") || k.getCode().equals("266948004")
                                || k.getCode().equals("160903007")))
                .map(r -> (org.hl7.fhir.r4.model.Condition) r).toList();
        assertThat(social).as("the demo data holds partner abuse, criminal record and employment findings").isNotEmpty();
        Pseudonymiser byDefault = withCategories(org.mydata.operator.programme.DataScope.DEFAULT_OBSERVATION_CATEGORIES);
        for (org.hl7.fhir.r4.model.Condition condition : social) {
            assertThat(byDefault.apply(condition.copy(), personOf(condition))).as(condition.getCode().getCodingFirstRep()
                    .getDisplay()).isEmpty();
            assertThat(withCategories(List.of("laboratory", "social-history")).apply(condition.copy(),
                    personOf(condition))).isPresent();
        }
        // A clinical Condition still leaves; a social code given as another resource's reason is dropped from it.
        org.hl7.fhir.r4.model.Condition clinical = (org.hl7.fhir.r4.model.Condition) dataset.stream()
                .filter(r -> r instanceof org.hl7.fhir.r4.model.Condition c
                        && c.getCode().getCodingFirstRep().getCode().equals("59621000")).findFirst().orElseThrow();
        assertThat(byDefault.apply(clinical.copy(), personOf(clinical))).isPresent();
        org.hl7.fhir.r4.model.Encounter encounter = (org.hl7.fhir.r4.model.Encounter) dataset.stream()
                .filter(r -> r instanceof org.hl7.fhir.r4.model.Encounter).findFirst().orElseThrow().copy();
        encounter.getReasonCode().clear();
        encounter.addReasonCode().addCoding().setSystem("http://snomed.info/sct").setCode("73438004")
                .setDisplay("Unemployed (finding)");
        encounter.addReasonCode().addCoding().setSystem("http://snomed.info/sct").setCode("59621000");
        org.hl7.fhir.r4.model.Encounter released = (org.hl7.fhir.r4.model.Encounter) byDefault
                .apply(encounter, personOf(encounter)).orElseThrow();
        assertThat(released.getReasonCode()).flatExtracting(org.hl7.fhir.r4.model.CodeableConcept::getCoding)
                .extracting(org.hl7.fhir.r4.model.Coding::getCode).containsExactly("59621000");
    }

    @Test
    void anObservationWithSeveralCategoriesLeavesOnlyWhenEveryOneIsInScope() {
        Observation both = new Observation();
        both.setId("o-both");
        both.addCategory().addCoding().setSystem(Pseudonymiser.OBSERVATION_CATEGORY).setCode("laboratory");
        both.addCategory().addCoding().setSystem(Pseudonymiser.OBSERVATION_CATEGORY).setCode("social-history");
        both.getCode().addCoding().setSystem("http://loinc.org").setCode("8302-2");
        both.setSubject(new Reference("Patient/p1"));
        Pseudonymiser byDefault = withCategories(org.mydata.operator.programme.DataScope.DEFAULT_OBSERVATION_CATEGORIES);
        assertThat(byDefault.apply(both.copy(), person("p1"))).isEmpty();
        assertThat(withCategories(List.of("laboratory", "social-history")).apply(both.copy(), person("p1"))).isPresent();
        Observation uncategorised = both.copy();
        uncategorised.getCategory().clear();
        uncategorised.addCategory().addCoding().setSystem("http://example.org/local").setCode("laboratory");
        assertThat(byDefault.apply(uncategorised, person("p1"))).as("no category of FHIR's system: fail closed")
                .isEmpty();
    }

    private static Observation measured(String loinc, double value, String ucum) {
        Observation observation = new Observation();
        observation.setId("o-" + loinc + "-" + ucum);
        observation.addCategory().addCoding().setSystem(Pseudonymiser.OBSERVATION_CATEGORY).setCode("vital-signs");
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode(loinc);
        observation.setSubject(new Reference("Patient/p1"));
        observation.setValue(new org.hl7.fhir.r4.model.Quantity(value).setSystem("http://unitsofmeasure.org")
                .setCode(ucum).setUnit(ucum));
        return observation;
    }

    @Test
    void agesOverEightyNineInAnyUnitOfTimeDoNotLeave() {
        Pseudonymiser all = withPlan(new ReleasePlan(2, 2026, new ReleasePlan.Scheme(1, true, true, true),
                Map.of(ACCOUNT, new ReleasePlan.PersonPlan(1978, Set.of())), Set.of("http://loinc.org|8302-2",
                "http://loinc.org|30525-0", "http://loinc.org|21612-7"), Map.of(),
                new ReleasePlan.Figures(1, 0, 0, 0, 0, 1, 0, 0, 0, 0)), BrokeredTypes.names());
        // Any Quantity of time over 89 years goes, in months, weeks, days or hours as in years.
        for (Observation over : List.of(measured("8302-2", 1100, "mo"), measured("8302-2", 4700, "wk"),
                measured("8302-2", 33_000, "d"), measured("8302-2", 790_000, "h"), measured("8302-2", 91, "a"))) {
            Observation out = (Observation) all.apply(over, person("p1")).orElseThrow();
            assertThat(out.hasValue()).as(over.getValueQuantity().getCode()).isFalse();
        }
        Observation under = (Observation) all.apply(measured("8302-2", 1000, "mo"), person("p1")).orElseThrow();
        assertThat(under.getValueQuantity().getValue().intValue()).isEqualTo(1000);
        // An Observation of the person's age over 89 is withheld whole; under it leaves.
        assertThat(all.apply(measured("30525-0", 95, "a"), person("p1"))).isEmpty();
        assertThat(all.apply(measured("21612-7", 1200, "mo"), person("p1"))).isEmpty();
        assertThat(all.apply(measured("30525-0", 40, "a"), person("p1"))).isPresent();
    }

    private static Pseudonymiser.Person person(String surrogateId) {
        return new Pseudonymiser.Person(ACCOUNT, SOURCE, BASE, surrogateId);
    }
}
