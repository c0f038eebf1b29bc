package org.mydata.operator.gateway.broker;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.gateway.GatewaySettings;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.gateway.source.SourceClients;
import org.mydata.operator.gateway.source.SourceReader;
import org.mydata.operator.gateway.source.UpstreamReads;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.mydata.operator.permit.ReleasePlanStore;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourcePatient;
import org.mydata.operator.testing.TestOperator;

/**
 * The broker's decisions without HTTP: on each resource a source returns ({@link Broker#decide}), again on a
 * page decided earlier ({@link Broker#stillReleasable}), and last, when the access event is written
 * ({@link Broker#recordRelease}). Real objects on a fresh database of the embedded PostgreSQL; nothing is read
 * upstream, so resources are de-identified with true dates and no release plan.
 */
class BrokerDecisionTest {
    private static final String RESEARCHER = "researcher@uni.example";
    private static final FhirContext R4 = FhirContext.forR4Cached();

    @TempDir
    Path keys;

    private TestOperator op;
    private SourceClients clients;
    private UpstreamReads upstream;
    private Broker broker;
    private FhirSource hospital;
    private UsablePermit permit;

    @BeforeEach
    void setUp() {
        op = new TestOperator(keys);
        GatewaySettings settings = GatewaySettings.defaults();
        clients = new SourceClients(R4, settings, op.clock);
        upstream = new UpstreamReads(clients);
        AccessLog accessLog = new AccessLog(op.tx, op.appender);
        broker = new Broker(new Cohorts(op.tx), op.sources, new SourceReader(clients), accessLog, op.clock, upstream,
                settings, new ReleasePlanStore(op.tx, null));
        hospital = op.source("Hospital A");
        Programme programme = op.heartStudy();
        DataRequests requests = new DataRequests(op.tx, op.appender, op.clock);
        UUID request = requests.submit(RESEARCHER, new NewDataRequest(programme.id(), "Heart outcomes",
                "University Heart Research", "dpv:ScientificResearch",
                new DataScope(List.of("Observation"), null, null), "Outcome study",
                TestOperator.START.plus(Duration.ofDays(365)))).id();
        UUID permitId = requests.decide("steward@research.example", request, DataRequests.Decision.APPROVE, null)
                .permitId();
        op.clock.advance(Duration.ofMinutes(1));
        permit = new Permits(op.tx).forUse(permitId, RESEARCHER, op.clock.instant()).orElseThrow();
    }

    @AfterEach
    void tearDown() {
        upstream.close();
        clients.close();
    }

    /** A person linked at the hospital with an active consent to the heart study. */
    private Consent consenting() {
        Account person = op.newAccount();
        op.link(person, hospital);
        Consent consent = op.consents.grant(person, new NewConsent(programme(), null, null, null, null, null));
        op.clock.advance(Duration.ofMinutes(1));
        return consent;
    }

    private UUID programme() {
        return permit.permit().programmeId();
    }

    private void withdraw(Consent consent) {
        op.clock.advance(Duration.ofMinutes(1));
        op.consents.changeStatus(op.accountOf(consent), consent.id(), ConsentStatus.WITHDRAWN,
                StatusRecord.ChangedBy.PERSON, null);
    }

    private Map<SourcePatient, CohortMember> cohort() {
        Map<SourcePatient, CohortMember> members = new HashMap<>();
        broker.cohort(permit, "Observation").forEach(m -> members.put(m.key(), m));
        return members;
    }

    private static String surrogateOf(Consent consent) {
        return "pat-" + TestOperator.personOf(new Account(consent.accountId(), null, null)).value();
    }

    private static Observation observation(String id, String subject, String effective) {
        Observation observation = new Observation();
        observation.setId(id);
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.addCategory().addCoding()
                .setSystem("http://terminology.hl7.org/CodeSystem/observation-category").setCode("vital-signs");
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4").setDisplay("Heart rate");
        observation.setSubject(new Reference(subject));
        observation.setEffective(new DateTimeType(effective));
        return observation;
    }

    private Optional<Released> decide(Resource resource, Map<SourcePatient, CohortMember> members,
                                      SearchCriteria criteria) {
        // True dates and no release plan (the statistics store's pseudonymiser): a records permit's plan is made
        // from the sources, and this test reads none.
        return Broker.decide(resource, hospital, members, PermitTerms.of(permit.permit()), op.clock.instant(),
                BrokeredTypes.of("Observation"), Pseudonymiser.withTrueDates(permit.key(), List.of("Observation"),
                        DataScope.DEFAULT_OBSERVATION_CATEGORIES), criteria);
    }

    /** An observation of the consent's person, as decided now: it goes. */
    private Released released(String id, Consent consent, String effective, Map<SourcePatient, CohortMember> members) {
        return decide(observation(id, "Patient/" + surrogateOf(consent), effective), members,
                SearchCriteria.everything()).orElseThrow();
    }

    @Test
    void aResourceOfAPersonInTheCohortGoesPseudonymisedUnderTheirConsent() {
        Consent consent = consenting();
        String surrogate = surrogateOf(consent);

        Released released = decide(observation("o1", "Patient/" + surrogate, "2021-05-04T10:00:00Z"), cohort(),
                SearchCriteria.everything()).orElseThrow();

        assertThat(released.reliedOn().id()).isEqualTo(consent.id());
        assertThat(released.member().accountId()).isEqualTo(consent.accountId());
        assertThat(released.day()).isEqualTo(LocalDate.parse("2021-05-04"));
        Observation out = (Observation) released.resource();
        assertThat(out.getIdElement().getIdPart()).isNotEqualTo("o1");
        assertThat(out.getSubject().getReference()).startsWith("Patient/").doesNotContain(surrogate);
    }

    @Test
    void whatCannotBeTiedToACohortMemberAtThatSourceNeverGoes() {
        Consent consent = consenting();
        String surrogate = surrogateOf(consent);
        Map<SourcePatient, CohortMember> members = cohort();

        assertThat(decide(observation("o1", "Patient/someone-else", "2021-05-04"), members,
                SearchCriteria.everything())).as("not in the cohort").isEmpty();
        assertThat(decide(observation("o2", "https://elsewhere.example/fhir/Patient/" + surrogate, "2021-05-04"),
                members, SearchCriteria.everything())).as("a patient of another server").isEmpty();
        assertThat(decide(observation("o3", "Group/" + surrogate, "2021-05-04"), members,
                SearchCriteria.everything())).as("a subject that is no Patient").isEmpty();
        assertThat(decide(observation("o4", "Patient/" + surrogate, "2014-12-31"), members,
                SearchCriteria.everything())).as("before the programme's data period").isEmpty();
        assertThat(decide(observation("o5", "Patient/" + surrogate, "2021-05-04"), members,
                new SearchCriteria(Set.of("not-its-pseudonym"), null, Map.of()))).as("not what was asked").isEmpty();
    }

    @Test
    void aRequestAboutSomePersonsChecksThemAloneAndFindsWhatTheWholeCohortWouldSay() {
        Consent one = consenting();
        Consent other = consenting();
        Consent leaving = consenting();
        withdraw(leaving);
        Account stranger = op.newAccount();
        op.link(stranger, hospital);

        List<CohortMember> whole = broker.cohort(permit, "Observation");
        List<CohortMember> some = broker.cohortOf(permit, "Observation",
                Set.of(one.accountId(), leaving.accountId(), stranger.id()));

        assertThat(whole).extracting(CohortMember::accountId).containsExactly(one.accountId(), other.accountId());
        assertThat(some).isEqualTo(whole.stream().filter(m -> m.accountId().equals(one.accountId())).toList());
        assertThat(broker.cohortOf(permit, "Observation", Set.of())).isEmpty();
        // An export's one read of the cohort for all its types says of each what the cohort of that type says.
        assertThat(broker.cohorts(permit, List.of("Observation", "Patient")))
                .containsEntry("Observation", whole).containsEntry("Patient", List.of())
                .containsEntry("Patient", broker.cohort(permit, "Patient"));
    }

    @Test
    void aWithdrawalEndsWhatAPageDecidedEarlierMayRelease() {
        Consent staying = consenting();
        Consent leaving = consenting();
        Map<SourcePatient, CohortMember> members = cohort();
        List<Released> page = List.of(released("a", staying, "2021-01-01", members),
                released("b", leaving, "2021-01-01", members));

        assertThat(broker.stillReleasable(permit, "Observation", page)).hasSize(2);
        withdraw(leaving);

        assertThat(broker.stillReleasable(permit, "Observation", page)).extracting(r -> r.reliedOn().id())
                .containsExactly(staying.id());
    }

    @Test
    void theAccessEventIsWrittenForWhatGoesAndLeavesOutAConsentThatEndedMeanwhile() {
        Consent staying = consenting();
        Consent leaving = consenting();
        Map<SourcePatient, CohortMember> members = cohort();
        List<Released> page = List.of(released("a", staying, "2021-01-01", members),
                released("b", staying, "2021-02-01", members), released("c", leaving, "2021-01-01", members));
        withdraw(leaving);

        List<Released> released = broker.recordRelease(permit, RESEARCHER, "Observation", "search-type", page);

        assertThat(released).extracting(r -> r.reliedOn().id()).containsExactly(staying.id(), staying.id());
        assertThat(op.count("select count(*) from access_event where permit_id = ?", permit.permit().id()))
                .isEqualTo(1);
        assertThat(op.count("select resource_count from access_event where permit_id = ?", permit.permit().id()))
                .as("the event counts what went").isEqualTo(2);
        assertThat(op.count("select count(*) from access_event_person where consent_id = ?", leaving.id()))
                .as("nothing of the withdrawn consent's person").isZero();
    }
}
