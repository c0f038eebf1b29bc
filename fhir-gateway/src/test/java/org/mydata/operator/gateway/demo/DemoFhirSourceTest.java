package org.mydata.operator.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceSearchParamComponent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.gateway.testing.BundledDemoSource;

/** The bundled Synthea dataset, served over HTTP and read with HAPI's generic client. */
class DemoFhirSourceTest {

    private static IGenericClient client;
    private static DemoPerson first;

    @BeforeAll
    static void serve() {
        client = BundledDemoSource.FHIR.newRestfulGenericClient(BundledDemoSource.baseUrl());
        first = DemoFhirSource.demoPersons(1).get(0);
    }

    @Test
    void demoPersonsAreTheFirstPatientsByIdWithTheirSsn() {
        List<DemoPerson> persons = DemoFhirSource.demoPersons(3);

        assertThat(persons).hasSize(3);
        assertThat(persons).isEqualTo(BundledDemoSource.source().persons(3));
        assertThat(persons).extracting(DemoPerson::patientId).isSorted().doesNotHaveDuplicates();
        assertThat(persons).allSatisfy(p -> {
            assertThat(p.identifier().system()).isEqualTo(DemoPerson.SSN_SYSTEM);
            assertThat(p.identifier().value()).matches("999-\\d\\d-\\d{4}");
            assertThat(p.name()).isNotBlank();
        });
    }

    @Test
    void findsExactlyOnePatientByIdentifier() {
        Bundle found = client.search().forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndIdentifier(first.identifier().system(), first.identifier().value()))
                .returnBundle(Bundle.class)
                .execute();

        assertThat(found.getEntry()).singleElement()
                .satisfies(e -> assertThat(e.getResource().getIdElement().getIdPart()).isEqualTo(first.patientId()));
    }

    @Test
    void theIdentifierMustMatchInItsSystem() {
        Bundle found = client.search().forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndIdentifier("urn:other", first.identifier().value()))
                .returnBundle(Bundle.class)
                .execute();

        assertThat(found.getEntry()).isEmpty();
    }

    @Test
    void observationsOfOnePatientComeInPagesLinkedByNext() {
        Bundle page = client.search().forResource(Observation.class)
                .where(Observation.PATIENT.hasId(first.patientId()))
                .count(20)
                .returnBundle(Bundle.class)
                .execute();
        int total = page.getTotal();

        List<Observation> all = new ArrayList<>();
        int pages = 0;
        while (true) {
            assertThat(page.getEntry()).hasSizeLessThanOrEqualTo(20);
            page.getEntry().forEach(e -> all.add((Observation) e.getResource()));
            pages++;
            if (page.getLink(Bundle.LINK_NEXT) == null) {
                break;
            }
            page = client.loadPage().next(page).execute();
        }

        assertThat(total).isGreaterThan(20);
        assertThat(pages).isEqualTo((total + 19) / 20);
        assertThat(all).hasSize(total);
        assertThat(all).extracting(o -> o.getIdElement().getIdPart()).doesNotHaveDuplicates();
        assertThat(all).allSatisfy(o -> assertThat(o.getSubject().getReference()).isEqualTo("Patient/" + first.patientId()));
        Bundle everybody = client.search().forResource(Observation.class).count(1).returnBundle(Bundle.class).execute();
        assertThat(everybody.getTotal()).isGreaterThan(total);
    }

    @Test
    void readsAResourceById() {
        Patient patient = client.read().resource(Patient.class).withId(first.patientId()).execute();

        assertThat(patient.getIdElement().getIdPart()).isEqualTo(first.patientId());
        assertThat(patient.getIdentifier()).anySatisfy(i -> assertThat(i.getValue()).isEqualTo(first.identifier().value()));
    }

    @Test
    void anUnknownIdIsNotFound() {
        assertThatThrownBy(() -> client.read().resource(Observation.class).withId("no-such-observation").execute())
                .isInstanceOf(ResourceNotFoundException.class)
                .satisfies(e -> assertThat(((ResourceNotFoundException) e).getStatusCode()).isEqualTo(404));
    }

    @Test
    void theCapabilityStatementListsTheSearches() {
        CapabilityStatement capabilities = client.capabilities().ofType(CapabilityStatement.class).execute();

        List<CapabilityStatementRestResourceComponent> resources = capabilities.getRestFirstRep().getResource();
        assertThat(searchParams(resources, "Patient")).contains("identifier", "_id", "_lastUpdated");
        assertThat(searchParams(resources, "Observation")).contains("patient", "subject", "code", "category", "date", "_lastUpdated");
        assertThat(resources).extracting(CapabilityStatementRestResourceComponent::getType)
                .contains("Condition", "Encounter", "MedicationRequest", "Procedure", "Immunization", "DiagnosticReport", "AllergyIntolerance",
                        "Organization", "Practitioner");
    }

    private static List<String> searchParams(List<CapabilityStatementRestResourceComponent> resources, String type) {
        return resources.stream().filter(r -> r.getType().equals(type)).findFirst().orElseThrow()
                .getSearchParam().stream().map(CapabilityStatementRestResourceSearchParamComponent::getName).toList();
    }
}
