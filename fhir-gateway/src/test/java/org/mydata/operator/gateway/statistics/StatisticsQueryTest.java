package org.mydata.operator.gateway.statistics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mydata.operator.gateway.statistics.StatisticsViewTest.FHIR;
import static org.mydata.operator.gateway.statistics.StatisticsViewTest.HBA1C_VIEW;
import static org.mydata.operator.gateway.statistics.StatisticsViewTest.PATIENT_VIEW;
import static org.mydata.operator.gateway.statistics.StatisticsViewTest.TYPES;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.programme.DisclosureSettings;
import org.mydata.operator.statistics.PersonRows;
import org.mydata.operator.statistics.RecordKeys;
import org.mydata.operator.statistics.StatisticalAnswer;

/** Whole requests: what is refused and why, and answers over the bundled Synthea population. */
class StatisticsQueryTest {
    static final LocalDate REFERENCE = LocalDate.parse("2026-01-01");
    static final Set<String> CODES = Set.of("314529007", "73595000");
    static final String CONDITION_VIEW = """
            {"name": "conditions", "resource": "Condition",
             "select": [{"forEach": "code.coding.where(system = 'http://snomed.info/sct')", "column": [{"name": "code", "path": "code"}]}]}""";
    static final SecureRandom RANDOM = new SecureRandom();
    static final Map<String, Double> KEYS = new HashMap<>();

    static StatisticsQuery compile(String request) {
        return StatisticsQuery.compile(FHIR, request, TYPES);
    }

    static InvalidRequestException refused(String request) {
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class, () -> compile(request));
        assertThat(e).as("refused: %s", request).isNotNull();
        return e;
    }

    static String withPatientColumn(String path) {
        return "{\"views\": [{\"name\": \"p\", \"resource\": \"Patient\", \"select\": [{\"column\": [{\"name\": \"c\", \"path\": \""
                + path.replace("\"", "\\\"") + "\"}]}]}]}";
    }

    static String withConditionColumn(String path) {
        return withPatientColumn(path).replace("Patient", "Condition");
    }

    /** Every demo person's rows of every view, with a record key fixed for the test run. */
    static List<PersonRows> persons(StatisticsQuery query) {
        List<PersonRows> persons = new ArrayList<>();
        SyntheaPersons.byPatient(FHIR).forEach((id, resources) -> {
            Map<String, List<Map<String, Object>>> rows = new HashMap<>();
            for (CompiledView view : query.views()) {
                List<Map<String, Object>> own = new ArrayList<>();
                for (Resource resource : resources) {
                    own.addAll(view.rows(resource));
                }
                rows.put(view.hash(), own);
            }
            double key = KEYS.computeIfAbsent(id, x -> RecordKeys.newKey(RANDOM));
            persons.add(new PersonRows(UUID.nameUUIDFromBytes(id.getBytes()), key, rows));
        });
        return persons;
    }

    // ------------------------------------------------------------------------------------------ refusals

    @Test
    void anUnknownPathIsRefusedNamingThePathAndTheField() {
        InvalidRequestException e = refused(withPatientColumn("birthdate"));
        assertThat(e.field()).isEqualTo("views[0].select[0].column[0].path");
        assertThat(e.getMessage()).contains("'birthdate'").contains("Patient");
        assertThat(refused(withConditionColumn("code.coding.cod")).getMessage()).contains("'cod'").contains("Coding");
        assertThat(refused(withConditionColumn("onset.ofType(Quantity).value")).getMessage()).contains("never a Quantity");
    }

    @Test
    void functionsOutsideTheSafeSubsetAreRefusedByName() {
        assertThat(refused(withConditionColumn("subject.resolve().gender")).getMessage()).contains("resolve()");
        assertThat(refused(withPatientColumn("gender.trace('x')")).getMessage()).contains("trace()");
        assertThat(refused(withPatientColumn("descendants().count()")).getMessage()).contains("descendants()");
        assertThat(refused(withPatientColumn("today().toString()")).getMessage()).contains("today()");
        assertThat(refused(withPatientColumn("gender.frobnicate()")).getMessage()).contains("frobnicate");
        assertThat(refused(withPatientColumn("%resource.gender")).getMessage()).contains("%resource");
        assertThat(refused(withPatientColumn("gender = 'x' or (")).field()).isEqualTo("views[0].select[0].column[0].path");
    }

    @Test
    void pathsIntoWhatSaysWhoAPersonIsAreRefusedSoARequestCannotEvenAsk() {
        for (String path : List.of("name.family", "identifier.value", "telecom.value", "address.city", "text.div",
                "contact.relationship.text", "photo.url", "extension.value.ofType(string)", "Patient.name.given.first()")) {
            InvalidRequestException e = refused(withPatientColumn(path));
            assertThat(e.getMessage()).as(path).contains("never visible");
        }
        assertThat(refused(withConditionColumn("note.text")).getMessage()).contains("'note'");
        assertThat(refused(withConditionColumn("subject.display")).getMessage()).contains("Reference.display");
        assertThat(refused(withConditionColumn("where(subject.identifier.value = '1').exists()")).getMessage()).contains("'identifier'");
        assertThat(refused(withPatientColumn("generalPractitioner.identifier.value")).getMessage()).contains("'identifier'");
    }

    @Test
    void viewsOverTypesOutsideThePermitAndUnknownTypesAreRefused() {
        InvalidRequestException e = refused(withPatientColumn("status").replace("Patient", "MedicationRequest"));
        assertThat(e.field()).isEqualTo("views[0].resource");
        assertThat(e.getMessage()).contains("MedicationRequest");
        assertThat(refused(withPatientColumn("gender").replace("Patient", "Patients")).getMessage()).contains("unknown resource type Patients");
    }

    @Test
    void unknownColumnsViewsGeneralisationsAndMeasuresAreRefusedByName() {
        String views = "\"views\": [" + PATIENT_VIEW + ", " + HBA1C_VIEW + "]";
        InvalidRequestException column = refused("{" + views + ", \"groupBy\": [{\"view\": \"patient\", \"column\": \"gender\", \"generalise\": \"code\"}]}");
        assertThat(column.field()).isEqualTo("groupBy[0].column");
        assertThat(column.getMessage()).contains("unknown column gender").contains("sex");
        assertThat(refused("{" + views + ", \"cohort\": [{\"view\": \"labs\"}]}").field()).isEqualTo("cohort[0].view");
        InvalidRequestException where = refused("{" + views + ", \"cohort\": [{\"view\": \"hba1c\", \"where\": \"valueQuantity.valu > 7\"}]}");
        assertThat(where.field()).isEqualTo("cohort[0].where");
        assertThat(where.getMessage()).contains("'valueQuantity'").contains("value.ofType(Quantity)");
        InvalidRequestException generalisation = refused("{" + views + ", \"groupBy\": [{\"view\": \"patient\", \"column\": \"birthDate\", \"generalise\": \"ageBand5\"}]}");
        assertThat(generalisation.field()).isEqualTo("groupBy[0].generalise");
        assertThat(generalisation.getMessage()).contains("ageBand5").contains("ageBand10");
        assertThat(refused("{" + views + ", \"groupBy\": [{\"view\": \"patient\", \"column\": \"sex\", \"generalise\": \"year\"}]}").getMessage())
                .contains("needs a date column");
        assertThat(refused("{" + views + ", \"groupBy\": [{\"view\": \"hba1c\", \"column\": \"effective\", \"generalise\": \"ageBand10\"}]}").getMessage())
                .contains("ageBand10 applies to a person's birth date");
        assertThat(refused("{" + views + ", \"measures\": [{\"max\": {\"view\": \"hba1c\", \"column\": \"value\"}}]}").field()).isEqualTo("measures[0].max");
        assertThat(refused("{" + views + ", \"measures\": [{\"mean\": {\"view\": \"patient\", \"column\": \"sex\"}}]}").getMessage()).contains("not numbers");
        assertThat(refused("{" + views + ", \"measures\": [{\"quantiles\": {\"view\": \"hba1c\", \"column\": \"value\", \"probabilities\": [0.99]}}]}").field())
                .isEqualTo("measures[0].quantiles.probabilities");
        assertThat(refused(withConditionColumn("code")).getMessage()).contains("CodeableConcept").contains("not a primitive");
        assertThat(refused("{" + views + ", \"select\": []}").field()).isEqualTo("select");
        assertThat(refused("{\"views\": [").getMessage()).contains("not valid JSON");
        assertThat(refused("{\"views\": [], \"views\": []}").getMessage()).contains("not valid JSON");
    }

    @Test
    void aColumnThatYieldsSeveralValuesOrFailsForAResourceIsNullNotAnErrorAboutThatRecord() {
        CompiledView view = compile(withConditionColumn("code.coding.code")).views().get(0);
        CompiledView failing = compile(withConditionColumn("code.coding.single().code")).views().get(0);
        Condition twoCodes = new Condition();
        twoCodes.setCode(new CodeableConcept().addCoding(new org.hl7.fhir.r4.model.Coding("http://snomed.info/sct", "1", null))
                .addCoding(new org.hl7.fhir.r4.model.Coding("http://snomed.info/sct", "2", null)));
        Map<String, Object> missing = new java.util.LinkedHashMap<>();
        missing.put("c", null);
        assertThat(view.rows(twoCodes)).containsExactly(missing);
        assertThat(failing.rows(twoCodes)).containsExactly(missing);
    }

    @Test
    void personAndResourceKeysAreRefusedSoNoCellIsOnePerson() {
        for (String path : List.of("getResourceKey()", "id", "subject.getReferenceKey(Patient)", "subject.reference",
                "where(id = 'x').exists()", "code.coding.first().id")) {
            InvalidRequestException e = refused(withConditionColumn(path));
            assertThat(e.getMessage()).as(path).contains("person and resource keys are not available to statistical requests");
            assertThat(e.field()).isEqualTo("views[0].select[0].column[0].path");
        }
    }

    @Test
    void exactDatesMayNotBeGroupedByValueOrCode() {
        String views = "\"views\": [" + PATIENT_VIEW + ", " + HBA1C_VIEW + "]";
        for (String group : List.of("{\"view\": \"patient\", \"column\": \"birthDate\", \"generalise\": \"value\"}",
                "{\"view\": \"patient\", \"column\": \"birthDate\", \"generalise\": \"code\"}",
                "{\"view\": \"hba1c\", \"column\": \"effective\", \"generalise\": \"value\"}")) {
            InvalidRequestException e = refused("{" + views + ", \"groupBy\": [" + group + "]}");
            assertThat(e.field()).isEqualTo("groupBy[0].generalise");
            assertThat(e.getMessage()).contains("exact dates");
        }
        // nor a date made a string
        String asText = PATIENT_VIEW.replace("\"path\": \"birthDate\"", "\"path\": \"birthDate.toString()\"");
        assertThat(refused("{\"views\": [" + asText + "], \"groupBy\": [{\"view\": \"patient\", \"column\": \"birthDate\", \"generalise\": \"value\"}]}")
                .getMessage()).contains("exact dates");
        assertThat(compile("{" + views + ", \"groupBy\": [{\"view\": \"patient\", \"column\": \"birthDate\", \"generalise\": \"year\"}]}"))
                .isNotNull();
    }

    @Test
    void regularExpressionsAreRefusedSinceAPatternCanBacktrackForEver() {
        assertThat(refused(withPatientColumn("gender.matches('(a+)+$')")).getMessage()).contains("matches()");
        assertThat(refused(withPatientColumn("gender.replaceMatches('(a+)+$', 'b')")).getMessage()).contains("replaceMatches()");
    }

    @Test
    void theRequestHashIsTheSameForTheSameRequestWrittenDifferently() {
        String a = "{\"views\": [" + PATIENT_VIEW + "], \"measures\": [{\"persons\": true}]}";
        String b = "{ \"measures\":[{\"persons\":true}],\n \"views\":[" + PATIENT_VIEW.replace("\n", " ") + "] }";
        assertThat(compile(a).requestHash()).isEqualTo(compile(b).requestHash()).matches("[0-9a-f]{64}");
        assertThat(compile(a.replace("true", "true, \"as\": \"n\"")).requestHash()).isNotEqualTo(compile(a).requestHash());
        assertThat(compile(a).resourceTypes()).containsExactly("Patient");
    }

    // ------------------------------------------------------------------------------------------ answers on demo data

    @Test
    void personsWithAConditionByAgeBandAndSex() {
        StatisticsQuery query = compile("""
                {"views": [%s, %s],
                 "cohort": [{"view": "conditions", "column": "code", "in": ["314529007", "73595000"]}],
                 "groupBy": [{"view": "patient", "column": "birthDate", "as": "ageBand", "generalise": "ageBand10"},
                             {"view": "patient", "column": "sex", "generalise": "code"}],
                 "measures": [{"persons": true}]}""".formatted(PATIENT_VIEW, CONDITION_VIEW));
        DisclosureSettings settings = new DisclosureSettings(3, 0.6, 100, 5); // the demo has only 40 persons
        StatisticalAnswer answer = query.answer(persons(query), settings, REFERENCE);
        assertThat(answer.columns()).extracting(c -> c.name()).containsExactly("ageBand", "sex", "persons");

        // the truth, worked out from the resources themselves
        Map<List<String>, Integer> truth = new HashMap<>();
        int cohort = 0;
        for (List<Resource> resources : SyntheaPersons.byPatient(FHIR).values()) {
            boolean has = resources.stream().anyMatch(r -> r instanceof Condition c
                    && c.getCode().getCoding().stream().anyMatch(x -> CODES.contains(x.getCode())));
            Patient patient = resources.stream().filter(Patient.class::isInstance).map(Patient.class::cast).findFirst().orElse(null);
            if (!has || patient == null) {
                continue;
            }
            cohort++;
            int age = Period.between(LocalDate.parse(patient.getBirthDateElement().getValueAsString()), REFERENCE).getYears();
            String band = age >= 90 ? "90+" : (age / 10 * 10) + "-" + (age / 10 * 10 + 9);
            truth.merge(List.of(band, patient.getGender().toCode()), 1, Integer::sum);
        }
        assertThat(cohort).isGreaterThan(10);
        List<Object> total = answer.rows().get(answer.rows().size() - 1);
        assertThat(total.subList(0, 2)).containsExactly("*", "*");
        assertThat((Long) total.get(2)).isBetween(cohort - 2L, cohort + 2L);
        int released = 0;
        for (List<Object> row : answer.rows()) {
            if (row.get(0).equals("*") || row.get(1).equals("*")) {
                continue;
            }
            int exact = truth.getOrDefault(List.of(row.get(0), row.get(1)), 0);
            assertThat(exact).as("row %s exists in the data", row).isPositive();
            if (row.get(2) != null) {
                released++;
                assertThat((Long) row.get(2)).isBetween((long) Math.max(3, exact - 2), exact + 2L);
            }
        }
        assertThat(released).isPositive();
        // a suppressed cell is absent: the rows are at most the combinations that occur, each with a value
        assertThat(answer.rows().stream().filter(r -> !r.get(0).equals("*") && !r.get(1).equals("*")).count()).isLessThanOrEqualTo(truth.size());
        assertThat(answer.rows()).allSatisfy(r -> assertThat(r.get(2)).isNotNull());
        // the same question, asked as a FHIRPath condition on the resource, counts the same persons: the same answer
        StatisticsQuery byPath = compile("""
                {"views": [%s, %s],
                 "cohort": [{"view": "conditions", "where": "code.coding.where(code in ('314529007' | '73595000')).exists()"}],
                 "groupBy": [{"view": "patient", "column": "birthDate", "as": "ageBand", "generalise": "ageBand10"},
                             {"view": "patient", "column": "sex", "generalise": "code"}]}""".formatted(PATIENT_VIEW, CONDITION_VIEW));
        assertThat(byPath.views()).hasSize(3);
        assertThat(byPath.answer(persons(byPath), settings, REFERENCE).rows()).isEqualTo(answer.rows());
    }

    @Test
    void meanHbA1cByYear() {
        StatisticsQuery query = compile("""
                {"views": [%s],
                 "groupBy": [{"view": "hba1c", "column": "effective", "as": "year", "generalise": "year"}],
                 "measures": [{"persons": true}, {"resources": "hba1c", "as": "tests"}, {"mean": {"view": "hba1c", "column": "value"}},
                              {"quantiles": {"view": "hba1c", "column": "value", "probabilities": [0.25, 0.5, 0.75]}}]}""".formatted(HBA1C_VIEW));
        StatisticalAnswer answer = query.answer(persons(query), new DisclosureSettings(3, 0.6, 100, 5), REFERENCE);
        assertThat(answer.columns()).extracting(c -> c.name())
                .containsExactly("year", "persons", "tests", "mean_value", "value_p25", "value_p50", "value_p75");
        Map<String, List<Double>> values = new HashMap<>();
        for (Resource r : SyntheaPersons.all(FHIR, "Observation")) {
            Observation o = (Observation) r;
            if (o.getCode().getCoding().stream().anyMatch(c -> "4548-4".equals(c.getCode()))) {
                values.computeIfAbsent(o.getEffectiveDateTimeType().getValueAsString().substring(0, 4), x -> new ArrayList<>())
                        .add(o.getValueQuantity().getValue().doubleValue());
            }
        }
        int checked = 0;
        for (List<Object> row : answer.rows()) {
            BigDecimal mean = (BigDecimal) answer.value(row, "mean_value");
            if (mean == null || row.get(0).equals("*")) {
                continue;
            }
            List<Double> xs = values.get((String) row.get(0));
            double exact = xs.stream().mapToDouble(d -> d).average().orElseThrow();
            double sd = Math.sqrt(xs.stream().mapToDouble(d -> (d - exact) * (d - exact)).sum() / (xs.size() - 1));
            // persons, not tests, make the standard error: at least 3 persons contributed
            // or the noise floor, a share of the mean absolute value, where the values hardly spread
            assertThat(Math.abs(mean.doubleValue() - exact)).isLessThanOrEqualTo(
                    Math.max(sd / Math.sqrt(3), org.mydata.operator.statistics.PerturbationTable.MAGNITUDE_FLOOR_SHARE * Math.abs(exact)) + 0.01);
            BigDecimal p25 = (BigDecimal) answer.value(row, "value_p25");
            BigDecimal p75 = (BigDecimal) answer.value(row, "value_p75");
            assertThat(p25).isLessThanOrEqualTo(p75);
            checked++;
        }
        assertThat(checked).isPositive();
    }

    @Test
    void aCountOnlyFeasibilityQuestionIsTheSmallestRequest() {
        StatisticsQuery query = compile("""
                {"views": [%s], "cohort": [{"view": "conditions", "column": "code", "in": ["314529007"]}]}""".formatted(CONDITION_VIEW));
        StatisticalAnswer answer = query.answer(persons(query), DisclosureSettings.DEFAULTS, REFERENCE);
        assertThat(answer.columns()).extracting(c -> c.name()).containsExactly("persons");
        assertThat(answer.rows()).hasSize(1);
        Map<String, Object> json = answer.toJson();
        assertThat(json).containsKeys("columns", "rows", "suppressed", "protection");
        assertThat(answer.protection().threshold()).isEqualTo(10);
    }

    @Test
    void theReadyMadeRequestsOfTheDocumentationCompile() throws java.io.IOException {
        String page = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "statistics.md"));
        java.util.regex.Matcher blocks = java.util.regex.Pattern.compile("```json\n(\\{\"views\".*?)```", java.util.regex.Pattern.DOTALL).matcher(page);
        int compiled = 0;
        while (blocks.find()) {
            StatisticsQuery query = compile(blocks.group(1));
            // the demo has only 40 persons: a cell may be suppressed, and a suppressed cell is absent
            StatisticalAnswer answer = query.answer(persons(query), new DisclosureSettings(3, 0.6, 100, 5), REFERENCE);
            assertThat(answer.rows().size() + answer.suppressed()).isPositive();
            compiled++;
        }
        assertThat(compiled).isEqualTo(4);
    }
}
