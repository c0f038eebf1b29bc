package org.mydata.operator.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.gateway.testing.BundledDemoSource;
import org.mydata.operator.gateway.testing.EmbeddedJetty;

/** The search parameters' semantics, on a handful of resources made for it. */
class DemoFhirSourceSearchTest {

    private static EmbeddedJetty server;
    private static IGenericClient client;

    @BeforeAll
    static void serve() {
        List<Resource> resources = List.of(
                patient("p1"), patient("p2"),
                observation("o-2020", "p1", "8302-2", "vital-signs", new DateTimeType("2020-01-15T10:00:00Z"), "2024-01-01T00:00:00Z"),
                observation("o-2021", "p1", "29463-7", "vital-signs", new DateTimeType("2021-06-01"), "2024-01-01T00:00:00Z"),
                observation("o-2022", "p1", "4548-4", "laboratory",
                        new Period().setStartElement(new DateTimeType("2022-01-01")).setEndElement(new DateTimeType("2022-02-01")),
                        "2025-03-01T00:00:00Z"),
                observation("o-other", "p2", "8302-2", "vital-signs", new DateTimeType("2021-06-01"), "2024-01-01T00:00:00Z"),
                (Immunization) new Immunization().setPatient(new Reference("Patient/p1")).setId("i1"));
        server = EmbeddedJetty.serve(new DemoFhirSource(BundledDemoSource.FHIR, resources));
        client = BundledDemoSource.FHIR.newRestfulGenericClient(server.baseUrl());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void dateSearchesCompareSpans() {
        assertThat(observations("patient=p1&date=ge2021-01-01")).containsExactly("o-2021", "o-2022");
        assertThat(observations("patient=p1&date=lt2021")).containsExactly("o-2020");
        assertThat(observations("patient=p1&date=2021-06")).containsExactly("o-2021");
        assertThat(observations("patient=p1&date=gt2022-01-15")).containsExactly("o-2022");
        assertThat(observations("patient=p1&date=ge2020-01-01&date=lt2021-01-01")).containsExactly("o-2020");
        assertThat(observations("patient=p1&date=le2019-12-31")).isEmpty();
    }

    @Test
    void patientAndSubjectRestrictToThatPatient() {
        assertThat(observations("patient=Patient/p2")).containsExactly("o-other");
        assertThat(observations("subject=Patient/p1")).containsExactly("o-2020", "o-2021", "o-2022");
        assertThat(observations("patient=p1,p2&code=8302-2")).containsExactly("o-2020", "o-other");
        assertThat(observations("patient=nobody")).isEmpty();
    }

    @Test
    void codeCategoryIdAndLastUpdatedFilter() {
        assertThat(observations("code=http://loinc.org|8302-2")).containsExactly("o-2020", "o-other");
        assertThat(observations("code=http://snomed.info/sct|8302-2")).isEmpty();
        assertThat(observations("category=laboratory")).containsExactly("o-2022");
        assertThat(observations("_id=o-2021,o-other")).containsExactly("o-2021", "o-other");
        assertThat(observations("_lastUpdated=gt2024-06-01")).containsExactly("o-2022");
    }

    @Test
    void aParameterTheTypeDoesNotHaveIsAClientError() {
        assertThatThrownBy(() -> client.search().byUrl("Immunization?category=x").returnBundle(Bundle.class).execute())
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void theDataCannotBeChangedThroughTheServer() {
        Observation read = client.read().resource(Observation.class).withId("o-2020").execute();
        read.getCode().getCodingFirstRep().setCode("changed");

        assertThat(client.read().resource(Observation.class).withId("o-2020").execute().getCode().getCodingFirstRep().getCode())
                .isEqualTo("8302-2");
        // HAPI answers an interaction no provider offers with 400.
        assertThatThrownBy(() -> client.update().resource(read).execute()).isInstanceOf(InvalidRequestException.class);
    }

    private static List<String> observations(String query) {
        Bundle bundle = client.search().byUrl("Observation?" + query).returnBundle(Bundle.class).execute();
        return bundle.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
    }

    private static Patient patient(String id) {
        Patient patient = new Patient();
        patient.setId(id);
        return patient;
    }

    private static Observation observation(String id, String patient, String loinc, String category,
            org.hl7.fhir.r4.model.Type effective, String lastUpdated) {
        Observation observation = new Observation();
        observation.setId(id);
        observation.getMeta().setLastUpdatedElement(new InstantType(lastUpdated));
        observation.setSubject(new Reference("Patient/" + patient));
        observation.setCode(new CodeableConcept(new Coding("http://loinc.org", loinc, null)));
        observation.addCategory(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/observation-category", category, null)));
        observation.setEffective(effective);
        return observation;
    }
}
