package org.mydata.operator.gateway.statistics;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

/** SQL on FHIR views evaluated by HAPI's engine over the bundled Synthea population. */
class StatisticsViewTest {
    static final FhirContext FHIR = FhirContext.forR4Cached();
    static final Set<String> TYPES = Set.of("Patient", "Condition", "Observation", "Encounter");

    static final String PATIENT_VIEW = """
            {"resourceType": "ViewDefinition", "name": "patient", "resource": "Patient", "status": "active",
             "select": [{"column": [{"name": "sex", "path": "gender"},
                                    {"name": "birthDate", "path": "birthDate"}]}]}""";
    static final String HBA1C_VIEW = """
            {"resourceType": "ViewDefinition", "name": "hba1c", "resource": "Observation",
             "where": [{"path": "code.coding.where(system = 'http://loinc.org' and code = '4548-4').exists()"}],
             "select": [{"column": [{"name": "effective", "path": "effective.ofType(dateTime)"},
                                    {"name": "value", "path": "value.ofType(Quantity).value"}]}]}""";
    static final String CONDITION_VIEW = """
            {"resourceType": "ViewDefinition", "name": "conditions", "resource": "Condition",
             "select": [{"column": [{"name": "onset", "path": "onset.ofType(dateTime)"}]},
                        {"forEach": "code.coding", "column": [{"name": "system", "path": "system"},
                                                              {"name": "code", "path": "code"}]}]}""";

    static CompiledView view(String json) {
        return StatisticsQuery.compile(FHIR, "{\"views\": [" + json + "]}", TYPES).views().get(0);
    }

    @Test
    void aPatientViewGivesOneRowOfTheSameValuesThePatientHolds() {
        CompiledView view = view(PATIENT_VIEW);
        assertThat(view.columnNames()).containsExactly("sex", "birthDate");
        assertThat(view.personLevel()).isTrue();
        List<Resource> patients = SyntheaPersons.all(FHIR, "Patient");
        assertThat(patients).hasSizeGreaterThan(30);
        for (Resource resource : patients) {
            Patient patient = (Patient) resource;
            assertThat(view.rows(patient)).containsExactly(Map.of(
                    "sex", patient.getGender().toCode(),
                    "birthDate", patient.getBirthDateElement().getValueAsString()));
        }
        // a resource of another type makes no rows
        assertThat(view.rows(SyntheaPersons.all(FHIR, "Condition").get(0))).isEmpty();
    }

    /**
     * A first answer makes a person's rows of the resources as they are read (de-identified with true dates); a
     * view asked later is made of the copies stored as JSON. Both give the same rows, for every resource of every
     * fourth person of the population (all of it takes minutes on a busy machine), each view making rows.
     */
    @Test
    void aViewMakesTheSameRowsOfAResourceAsItIsReadAsOfItsStoredCopy() {
        org.mydata.operator.gateway.pseudonym.Pseudonymiser trueDates =
                org.mydata.operator.gateway.pseudonym.Pseudonymiser.withTrueDates(
                        new org.mydata.operator.permit.Permits.PseudonymKey(new byte[32]),
                        org.mydata.operator.gateway.registry.BrokeredTypes.names(),
                        org.mydata.operator.programme.DataScope.OBSERVATION_CATEGORIES);
        ca.uhn.fhir.parser.IParser parser = FHIR.newJsonParser();
        List<CompiledView> views = List.of(view(PATIENT_VIEW), view(HBA1C_VIEW), view(CONDITION_VIEW));
        java.util.UUID account = java.util.UUID.randomUUID();
        java.util.UUID source = java.util.UUID.randomUUID();
        Map<String, Integer> withRows = new java.util.HashMap<>();
        int index = 0;
        for (Map.Entry<String, List<Resource>> person : SyntheaPersons.byPatient(FHIR).entrySet()) {
            if (index++ % 4 != 0) {
                continue;
            }
            for (Resource original : person.getValue()) {
                // The de-identification works in place; the population is shared with the other tests.
                java.util.Optional<Resource> released = trueDates.apply(original.copy(),
                        new org.mydata.operator.gateway.pseudonym.Pseudonymiser.Person(account, source,
                                "http://source.example/fhir", person.getKey()));
                if (released.isEmpty()) {
                    continue;
                }
                Resource stored = (Resource) parser.parseResource(parser.encodeResourceToString(released.get()));
                for (CompiledView view : views) {
                    List<Map<String, Object>> asRead = view.rows(released.get());
                    assertThat(asRead).as("%s of %s", view.name(), original.getId()).isEqualTo(view.rows(stored));
                    withRows.merge(view.name(), asRead.isEmpty() ? 0 : 1, Integer::sum);
                }
            }
        }
        assertThat(withRows).containsOnlyKeys("patient", "hba1c", "conditions");
        assertThat(withRows.values()).allSatisfy(n -> assertThat(n).isGreaterThan(3));
    }

    @Test
    void aLabViewKeepsOnlyItsCodeAndReadsTheQuantityAsADecimal() {
        CompiledView view = view(HBA1C_VIEW);
        assertThat(view.personLevel()).isFalse();
        int expected = 0;
        int rows = 0;
        for (Resource resource : SyntheaPersons.all(FHIR, "Observation")) {
            Observation o = (Observation) resource;
            List<Map<String, Object>> made = view.rows(o);
            boolean hba1c = o.getCode().getCoding().stream().anyMatch(c -> "http://loinc.org".equals(c.getSystem()) && "4548-4".equals(c.getCode()));
            if (hba1c) {
                expected++;
                assertThat(made).hasSize(1);
                Map<String, Object> row = made.get(0);
                assertThat((BigDecimal) row.get("value")).isEqualByComparingTo(o.getValueQuantity().getValue());
                assertThat(row.get("effective")).isEqualTo(o.getEffectiveDateTimeType().getValueAsString());
            } else {
                assertThat(made).isEmpty();
            }
            rows += made.size();
        }
        assertThat(expected).isGreaterThan(100);
        assertThat(rows).isEqualTo(expected);
    }

    @Test
    void forEachMakesARowPerCodingWithTheResourceLevelColumnsRepeated() {
        CompiledView view = view(CONDITION_VIEW);
        assertThat(view.columnNames()).containsExactly("onset", "system", "code");
        for (Resource resource : SyntheaPersons.all(FHIR, "Condition")) {
            Condition c = (Condition) resource;
            List<Map<String, Object>> rows = view.rows(c);
            assertThat(rows).hasSize(c.getCode().getCoding().size());
            for (int i = 0; i < rows.size(); i++) {
                Coding coding = c.getCode().getCoding().get(i);
                assertThat(rows.get(i)).containsEntry("code", coding.getCode()).containsEntry("system", coding.getSystem())
                        .containsEntry("onset", c.hasOnsetDateTimeType() ? c.getOnsetDateTimeType().getValueAsString() : null);
            }
        }
    }

    @Test
    void forEachOrNullKeepsAResourceWithNothingToUnnest() {
        CompiledView view = view("""
                {"name": "marital", "resource": "Patient",
                 "select": [{"column": [{"name": "sex", "path": "gender"}]},
                            {"forEachOrNull": "maritalStatus.coding.where(code = 'no-such-code')",
                             "column": [{"name": "marital", "path": "code"}]}]}""");
        Patient patient = (Patient) SyntheaPersons.all(FHIR, "Patient").get(0);
        assertThat(view.rows(patient)).containsExactly(java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>() {{
            put("sex", patient.getGender().toCode());
            put("marital", null);
        }}));
        CompiledView strict = view("""
                {"name": "marital", "resource": "Patient",
                 "select": [{"column": [{"name": "sex", "path": "gender"}]},
                            {"forEach": "maritalStatus.coding.where(code = 'no-such-code')",
                             "column": [{"name": "marital", "path": "code"}]}]}""");
        assertThat(strict.rows(patient)).isEmpty();
        assertThat(strict.personLevel()).isFalse();
    }

    @Test
    void aPathThatFailsOnARecordOrYieldsSeveralValuesGivesNullNotAnError() {
        // several codings per Condition: without forEach the column has several values for some records
        CompiledView several = view("""
                {"name": "codes", "resource": "Condition",
                 "select": [{"column": [{"name": "code", "path": "code.coding.code"}]}]}""");
        // single() fails on a record with several codings: a run-time error in the engine
        CompiledView failing = view("""
                {"name": "codes", "resource": "Condition",
                 "select": [{"column": [{"name": "code", "path": "code.coding.single().code"}]}]}""");
        Condition twoCodes = new Condition();
        twoCodes.setCode(new org.hl7.fhir.r4.model.CodeableConcept().addCoding(new Coding("http://snomed.info/sct", "1", null))
                .addCoding(new Coding("http://snomed.info/sct", "2", null)));
        java.util.LinkedHashMap<String, Object> missing = new java.util.LinkedHashMap<>();
        missing.put("code", null);
        assertThat(several.rows(twoCodes)).containsExactly(missing);
        assertThat(failing.rows(twoCodes)).containsExactly(missing);
        Condition oneCode = new Condition();
        oneCode.setCode(new org.hl7.fhir.r4.model.CodeableConcept().addCoding(new Coding("http://snomed.info/sct", "1", null)));
        assertThat(failing.rows(oneCode)).containsExactly(Map.of("code", "1"));
        // a value that cannot be converted: toDecimal() of a code is empty or an error, never a message
        CompiledView converted = view("""
                {"name": "odd", "resource": "Patient",
                 "select": [{"column": [{"name": "n", "path": "gender.toDecimal()"}]}]}""");
        Patient patient = (Patient) SyntheaPersons.all(FHIR, "Patient").get(0);
        assertThat(converted.rows(patient)).hasSize(1);
    }

    @Test
    void unionAllConcatenatesItsBranches() {
        CompiledView view = view("""
                {"name": "dates", "resource": "Condition",
                 "select": [{"unionAll": [{"column": [{"name": "kind", "path": "'onset'"}, {"name": "at", "path": "onset.ofType(dateTime)"}]},
                                          {"column": [{"name": "kind", "path": "'recorded'"}, {"name": "at", "path": "recordedDate"}]}]}]}""");
        Condition c = (Condition) SyntheaPersons.all(FHIR, "Condition").get(0);
        List<Map<String, Object>> rows = view.rows(c);
        assertThat(rows).extracting(r -> r.get("kind")).containsExactly("onset", "recorded");
        assertThat(rows.get(1).get("at")).isEqualTo(c.getRecordedDateElement().getValueAsString());
    }

    @Test
    void theSameViewHasTheSameHashWhateverItsKeyOrderOrSpacing() {
        CompiledView a = view("{\"name\":\"p\",\"resource\":\"Patient\",\"select\":[{\"column\":[{\"name\":\"sex\",\"path\":\"gender\"}]}]}");
        CompiledView b = view("{ \"select\":[{\"column\":[{\"path\":\"gender\", \"name\":\"sex\"}]}], \"resource\":\"Patient\", \"name\":\"p\" }");
        CompiledView c = view("{\"name\":\"p\",\"resource\":\"Patient\",\"select\":[{\"column\":[{\"name\":\"sex\",\"path\":\"birthDate\"}]}]}");
        assertThat(a.hash()).isEqualTo(b.hash()).matches("[0-9a-f]{64}");
        assertThat(c.hash()).isNotEqualTo(a.hash());
    }

    @Test
    void threadsEvaluatingTheSameViewAtOnceGetTheRowsOneThreadGets() throws Exception {
        CompiledView view = view(HBA1C_VIEW);
        List<Resource> observations = SyntheaPersons.all(FHIR, "Observation");
        List<Map<String, Object>> alone = observations.stream().flatMap(o -> view.rows(o).stream()).toList();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<List<Map<String, Object>>>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                runs.add(pool.submit(() -> observations.stream().flatMap(o -> view.rows(o).stream()).toList()));
            }
            for (java.util.concurrent.Future<List<Map<String, Object>>> run : runs) {
                assertThat(run.get()).isEqualTo(alone);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
