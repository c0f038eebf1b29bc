package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.nimbusds.jose.jwk.RSAKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * A researcher reads donated data with HAPI's own generic client, as their tooling would, through the
 * gateway over real HTTP, from the demo source's Synthea patients. Each test builds its own programme so
 * the cohort is exactly the persons the test let in.
 */
@ExtendWith(OutputCaptureExtension.class)
class GatewayTest extends OperatorTestBase {
    private static final FhirContext FHIR = FhirContext.forR4Cached();

    @Autowired
    RSAKey tokenSigningKey;

    private ResearchFixtures fixtures;
    private String researcher;
    private String steward;
    private List<DemoPerson> persons;

    @BeforeEach
    void roles() {
        fixtures = new ResearchFixtures(http);
        researcher = fixtures.researcher;
        steward = fixtures.steward;
        persons = DemoFhirSource.demoPersons(3);
    }

    private String programme(List<String> types) {
        return fixtures.programme(types);
    }

    private String citizen(String name) {
        return fixtures.citizen(name);
    }

    private String consent(String citizen, String programme, List<String> types) {
        return fixtures.consent(citizen, programme, List.of(fixtures.demoSource), types);
    }

    private String approvedPermit(String programme, List<String> types) {
        return fixtures.approvedPermit(programme, types, "Gateway study");
    }

    private void status(String citizen, String consent, String status) {
        fixtures.status(citizen, consent, status);
    }

    private String token(String subject) {
        return ResearchFixtures.mintedToken(tokenSigningKey, subject, List.of("researcher"), Instant.now().plusSeconds(300));
    }

    @Test
    void onlyConsentingPersonsAppearPseudonymisedAndAWithdrawalEndsTheNextPage() {
        String programme = programme(List.of("Patient", "Observation", "Condition"));
        String alice = citizen("alice");
        String carol = citizen("carol");
        String aliceConsent = consent(alice, programme, null);
        String carolConsent = consent(carol, programme, null);
        String permit = approvedPermit(programme, List.of("Patient", "Observation"));
        IGenericClient gateway = gateway(permit, researcher);

        List<Resource> observations = readAll(gateway, "Observation?_count=300");
        // Of the Observations, a records permit releases the categories its scope names: vital signs and
        // laboratory unless the request named more (issue 21).
        int direct = directCountWhere("Observation", "&category=vital-signs,laboratory", persons.get(0).patientId(),
                persons.get(2).patientId());
        assertThat(observations).hasSize(direct).isNotEmpty();
        Set<String> subjects = new HashSet<>();
        observations.forEach(o -> subjects.add(((Observation) o).getSubject().getReference()));
        assertThat(subjects).hasSize(2);

        List<Resource> patients = readAll(gateway, "Patient");
        assertThat(patients).hasSize(2);
        Patient first = (Patient) patients.get(0);
        assertThat(first.hasName()).isFalse();
        assertThat(first.hasIdentifier()).isFalse();
        assertThat(first.hasTelecom()).isFalse();
        assertThat(subjects).contains("Patient/" + first.getIdPart());
        Patient read = gateway.read().resource(Patient.class).withId(first.getIdPart()).execute();
        assertThat(read.getIdPart()).isEqualTo(first.getIdPart());

        String everything = FHIR.newJsonParser().encodeResourceToString(bundleOf(observations))
                + FHIR.newJsonParser().encodeResourceToString(bundleOf(patients));
        for (DemoPerson person : persons) {
            assertThat(everything).doesNotContain(person.patientId()).doesNotContain(person.identifier().value());
            for (String namePart : person.name().split(" ")) {
                if (namePart.length() > 3) {
                    assertThat(everything).doesNotContain(namePart);
                }
            }
        }
        Patient source = FHIR.newJsonParser().parseResource(Patient.class,
                http.get("/demo-source/fhir/Patient/" + persons.get(0).patientId(), null).body());
        assertThat(patients.stream().map(p -> ((Patient) p).getBirthDate()))
                .doesNotContain(source.getBirthDate());

        // Withdraw between pages: the next page leaves the person out, and so does every later search.
        // (Ids are pseudonyms, so carol's records are spread over all pages.)
        Bundle page = gateway.search().byUrl("Observation?_count=20").returnBundle(Bundle.class).execute();
        String carolsSubject = observationSubjectOf(gateway, carolConsent, carol);
        withdraw(carol, carolConsent);
        List<String> laterSubjects = new ArrayList<>();
        while (page.getLink(Bundle.LINK_NEXT) != null) {
            page = gateway.loadPage().next(page).execute();
            page.getEntry().forEach(e -> laterSubjects.add(((Observation) e.getResource()).getSubject().getReference()));
        }
        assertThat(laterSubjects).isNotEmpty().doesNotContain(carolsSubject);
        assertThat(readAll(gateway, "Observation?_count=500").stream()
                .map(o -> ((Observation) o).getSubject().getReference())).doesNotContain(carolsSubject);

        // Pause and resume.
        status(alice, aliceConsent, "paused");
        assertThat(readAll(gateway, "Observation?_count=500")).isEmpty();
        status(alice, aliceConsent, "active");
        assertThat(readAll(gateway, "Observation?_count=500")).isNotEmpty();

        // Every release is in the person's own access log.
        JsonNode log = http.get("/api/v1/me/access-log", alice).json();
        assertThat(log.size()).isGreaterThan(0);
        assertThat(log.get(0).get("projectTitle").asText()).isEqualTo("Gateway study");
        assertThat(log.get(0).get("organisation").asText()).isEqualTo("Test University");
    }

    @Test
    void theGatewayRefusesWhatThePermitDoesNotAllow(CapturedOutput output) throws Exception {
        String programme = programme(List.of("Patient", "Observation", "Condition", "MedicationRequest"));
        String bob = citizen("bob");
        consent(bob, programme, List.of("Patient", "Condition"));
        String permit = approvedPermit(programme, List.of("Patient", "Observation", "Condition"));
        IGenericClient gateway = gateway(permit, researcher);

        assertThat(readAll(gateway, "Observation?_count=500")).as("bob's consent leaves Observation out").isEmpty();
        assertThat(readAll(gateway, "Condition")).isNotEmpty();
        assertThatThrownBy(() -> readAll(gateway, "MedicationRequest")).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("does not cover MedicationRequest");
        assertThatThrownBy(() -> readAll(gateway, "Observation?colour=blue")).isInstanceOf(InvalidRequestException.class);
        assertThat(http.get("/fhir/" + permit + "/Claim", researcher).status()).isIn(400, 404);

        CapabilityStatement capabilities = gateway.capabilities().ofType(CapabilityStatement.class).execute();
        // The permit's types, and its one Group (the cohort), for Group export.
        assertThat(capabilities.getRestFirstRep().getResource().stream().map(r -> r.getType()))
                .containsExactlyInAnyOrder("Patient", "Observation", "Condition", "Group");

        // Another researcher, a token without researcher scope, no token, and a made-up permit: nothing to see.
        OperatorHttp.Reply stranger = http.get("/fhir/" + permit + "/Condition", token("other-researcher"));
        assertThat(stranger.status()).isEqualTo(404);
        assertThat(stranger.body()).contains("OperationOutcome").doesNotContain(permit);
        assertThat(http.get("/fhir/" + permit + "/Condition", steward).status()).isEqualTo(403);
        OperatorHttp.Reply anonymous = http.get("/fhir/" + permit + "/Condition", null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.body()).contains("OperationOutcome");
        int logged = output.length();
        OperatorHttp.Reply madeUp = http.get("/fhir/" + UUID.randomUUID() + "/Condition", researcher);
        assertThat(madeUp.status()).isEqualTo(404);
        assertThat(madeUp.json().at("/issue/0/code").asText()).isEqualTo("not-found");
        assertThat(http.get("/fhir/not-a-permit/Condition", researcher).status()).isEqualTo(404);
        // A wrong address is the caller's mistake, not an operator failure: no error and no stack trace logged.
        assertThat(output.toString().substring(logged)).doesNotContain("ResourceNotFoundException")
                .doesNotContain("\tat ");

        // Two permits over the same persons cannot be joined.
        String other = approvedPermit(programme, List.of("Patient"));
        Set<String> first = ids(readAll(gateway, "Patient"));
        Set<String> second = ids(readAll(gateway(other, researcher), "Patient"));
        assertThat(first).hasSize(1);
        assertThat(second).hasSize(1).doesNotContainAnyElementsOf(first);

        // A revocation ends the permit at once.
        OperatorHttp.Reply revoked = http.post("/api/v1/permits/" + permit + "/revoke", steward,
                Map.of("reason", "study closed"));
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThatThrownBy(() -> readAll(gateway, "Condition")).isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void requestsAreDecidedOnceByTheProgrammesStewards() {
        String programme = programme(List.of("Observation"));
        OperatorHttp.Reply request = http.post("/api/v1/requests", researcher, Map.of("programmeId", programme,
                "title", "Once", "purpose", "dpv:AcademicResearch", "scope", Map.of("resourceTypes", List.of("Observation")),
                "justification", "why", "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        String id = request.json().get("id").asText();
        assertThat(http.post("/api/v1/requests/" + id + "/decision", steward, Map.of("decision", "reject"))
                .status()).isEqualTo(422);
        assertThat(http.post("/api/v1/requests/" + id + "/decision", steward,
                Map.of("decision", "reject", "reason", "no ethics approval")).status()).isEqualTo(200);
        assertThat(http.post("/api/v1/requests/" + id + "/decision", steward, Map.of("decision", "approve"))
                .status()).isEqualTo(409);
        assertThat(http.get("/api/v1/requests/" + id, researcher).json().get("status").asText()).isEqualTo("rejected");
        OperatorHttp.Reply wider = http.post("/api/v1/requests", researcher, Map.of("programmeId", programme,
                "title", "Wide", "purpose", "dpv:DataAltruism", "scope", Map.of("resourceTypes", List.of("Observation")),
                "justification", "why", "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        assertThat(wider.status()).isEqualTo(422);
    }

    // --- helpers ---------------------------------------------------------------------------------

    private void withdraw(String citizen, String consent) {
        status(citizen, consent, "withdrawn");
    }

    private IGenericClient gateway(String permit, String token) {
        FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        FHIR.getRestfulClientFactory().setSocketTimeout(120_000);
        IGenericClient client = FHIR.newRestfulGenericClient(http.base() + "/fhir/" + permit);
        client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        return client;
    }

    private static List<Resource> readAll(IGenericClient client, String query) {
        List<Resource> all = new ArrayList<>();
        Bundle page = client.search().byUrl(query).returnBundle(Bundle.class).execute();
        while (true) {
            page.getEntry().forEach(e -> all.add(e.getResource()));
            if (page.getLink(Bundle.LINK_NEXT) == null) {
                return all;
            }
            page = client.loadPage().next(page).execute();
        }
    }

    /** The pseudonymised subject under which a person's data appears: what disappears while they pause. */
    private String observationSubjectOf(IGenericClient gateway, String consent, String citizen) {
        List<Resource> all = readAll(gateway, "Observation?_count=500");
        Set<String> subjects = new HashSet<>();
        all.forEach(o -> subjects.add(((Observation) o).getSubject().getReference()));
        status(citizen, consent, "paused");
        Set<String> withoutBob = new HashSet<>();
        readAll(gateway, "Observation?_count=500").forEach(o -> withoutBob.add(((Observation) o).getSubject().getReference()));
        status(citizen, consent, "active");
        subjects.removeAll(withoutBob);
        assertThat(subjects).hasSize(1);
        return subjects.iterator().next();
    }

    private int directCount(String type, String... patients) {
        return directCountWhere(type, "", patients);
    }

    /** @param criteria more search parameters for the source, each starting with {@code &} */
    private int directCountWhere(String type, String criteria, String... patients) {
        int total = 0;
        for (String patient : patients) {
            total += http.get("/demo-source/fhir/" + type + "?patient=" + patient + criteria + "&_summary=count", null)
                    .json().get("total").asInt();
        }
        return total;
    }

    private static Set<String> ids(List<Resource> resources) {
        Set<String> ids = new HashSet<>();
        resources.forEach(r -> ids.add(r.getIdElement().getIdPart()));
        return ids;
    }

    private static Bundle bundleOf(List<Resource> resources) {
        Bundle bundle = new Bundle();
        resources.forEach(r -> bundle.addEntry().setResource(r));
        return bundle;
    }

}
