package org.mydata.operator.consent;

import org.mydata.operator.formats.ConsentAsFhir;

import org.mydata.operator.verify.consent.ConsentStatus;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Date;
import java.util.List;
import java.util.stream.Collectors;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent.ConsentProvisionType;
import org.hl7.fhir.r4.model.Consent.ConsentState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.mydata.operator.testing.TestOperator;

/** Runs first: the FHIR validator takes longest to start, and overlaps the other classes while it does. */
@Order(1)
class ConsentAsFhirTest {
    @TempDir
    static Path keys;

    static TestOperator op;
    static Programme heartStudy;
    static FhirContext fhir;
    static FhirValidator validator;

    @BeforeAll
    static void start() {
        op = new TestOperator(keys);
        op.source("Hospital A");
        heartStudy = op.heartStudy();

        fhir = FhirContext.forR4();
        ValidationSupportChain support = new ValidationSupportChain(
                new DefaultProfileValidationSupport(fhir),
                new CommonCodeSystemsTerminologyService(fhir),
                new InMemoryTerminologyServerValidationSupport(fhir),
                new SnapshotGeneratingValidationSupport(fhir));
        validator = fhir.newValidator().registerValidatorModule(new FhirInstanceValidator(support));
    }

    private Consent grant(NewConsent request) {
        Account person = op.newAccount();
        op.link(person, op.sources.list().get(0));
        return op.consents.grant(person, request);
    }

    private static void assertValidR4(org.hl7.fhir.r4.model.Consent resource) {
        ValidationResult result = validator.validateWithResult(resource);
        List<SingleValidationMessage> errors = result.getMessages().stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                .toList();
        assertThat(errors).as("validation errors:%n%s%nall messages:%n%s", describe(errors), describe(result.getMessages()))
                .isEmpty();
    }

    private static String describe(List<SingleValidationMessage> messages) {
        return messages.stream().map(m -> m.getSeverity() + " " + m.getLocationString() + ": " + m.getMessage())
                .collect(Collectors.joining("\n"));
    }

    @Test
    void aGrantedConsentIsAValidR4ConsentCarryingTheSignedRecord() throws Exception {
        Instant validUntil = op.clock.instant().plus(Duration.ofDays(730));
        Consent consent = grant(new NewConsent(heartStudy.id(), List.of("dpv:AcademicResearch", "dpv:DataAltruism"),
                new DataScope(List.of("Observation", "Condition"), LocalDate.parse("2018-01-01"),
                        LocalDate.parse("2024-12-31")), null, validUntil, null));

        org.hl7.fhir.r4.model.Consent resource = ConsentAsFhir.toFhir(consent, heartStudy);
        assertValidR4(resource);

        assertThat(resource.getIdElement().getIdPart()).isEqualTo(consent.id().toString());
        assertThat(resource.getIdentifierFirstRep().getSystem()).isEqualTo(ConsentAsFhir.CONSENT_SYSTEM);
        assertThat(resource.getIdentifierFirstRep().getValue()).isEqualTo(consent.id().toString());
        assertThat(resource.getStatus()).isEqualTo(ConsentState.ACTIVE);
        assertThat(resource.getMeta().getTag(ConsentAsFhir.STATUS_SYSTEM, "active")).isNotNull();
        assertThat(resource.getPatient().getIdentifier().getSystem()).isEqualTo(ConsentAsFhir.ACCOUNT_SYSTEM);
        assertThat(resource.getPatient().getIdentifier().getValue()).isEqualTo(consent.accountId().toString());
        assertThat(resource.getDateTime()).isEqualTo(Date.from(consent.createdAt()));
        assertThat(resource.getOrganizationFirstRep().getDisplay()).isEqualTo("University Heart Research");
        assertThat(resource.getPolicyFirstRep().getUri()).isEqualTo("https://research.example/heart/terms");

        var provision = resource.getProvision();
        assertThat(provision.getType()).isEqualTo(ConsentProvisionType.PERMIT);
        assertThat(provision.getPeriod().getStart()).isEqualTo(Date.from(consent.validFrom()));
        assertThat(provision.getPeriod().getEnd()).isEqualTo(Date.from(validUntil));
        assertThat(provision.getPurpose()).extracting(Coding::getSystem).containsOnly("https://w3id.org/dpv");
        assertThat(provision.getPurpose()).extracting(Coding::getCode)
                .containsExactly("AcademicResearch", "DataAltruism");
        assertThat(provision.getClass_()).extracting(Coding::getCode).containsExactly("Observation", "Condition");
        assertThat(provision.getDataPeriod().getStartElement().getValueAsString()).isEqualTo("2018-01-01");
        assertThat(provision.getDataPeriod().getEndElement().getValueAsString()).isEqualTo("2024-12-31");
        // A consent given without naming modes takes the programme's (both): each a provision action.
        assertThat(provision.getAction()).extracting(a -> a.getCodingFirstRep().getSystem())
                .containsOnly(ConsentAsFhir.ACCESS_MODE_SYSTEM);
        assertThat(provision.getAction()).extracting(a -> a.getCodingFirstRep().getCode())
                .containsExactly("statistics", "records");

        // the attachment is the compact JWS itself, and it survives the JSON wire form
        assertThat(resource.getSourceAttachment().getContentType()).isEqualTo("application/jose");
        String attached = new String(resource.getSourceAttachment().getData(), StandardCharsets.US_ASCII);
        assertThat(attached).isEqualTo(consent.record());
        String json = fhir.newJsonParser().encodeResourceToString(resource);
        org.hl7.fhir.r4.model.Consent parsed =
                fhir.newJsonParser().parseResource(org.hl7.fhir.r4.model.Consent.class, json);
        String fromWire = new String(parsed.getSourceAttachment().getData(), StandardCharsets.US_ASCII);
        VerifiedRecord verified = op.verifier().verify(fromWire);
        assertThat(verified.type()).isEqualTo(RecordType.CONSENT);
        assertThat(verified.claims()).containsEntry("cr_id", consent.id().toString());
    }

    @Test
    void aStatisticsOnlyConsentSaysSoInEveryFormat() {
        Consent consent = grant(new NewConsent(heartStudy.id(), null, null, null, null, null, List.of("statistics"), null));
        assertThat(consent.accessModes()).containsExactly(org.mydata.operator.verify.release.AccessMode.STATISTICS);

        org.hl7.fhir.r4.model.Consent resource = ConsentAsFhir.toFhir(consent, heartStudy);
        assertValidR4(resource);
        assertThat(resource.getProvision().getAction()).extracting(a -> a.getCodingFirstRep().getCode())
                .containsExactly("statistics");

        org.mydata.operator.formats.ChoiceRecord choice = org.mydata.operator.formats.ChoiceRecord.of(consent,
                heartStudy, List.of("Hospital A"));
        assertThat(org.mydata.operator.formats.Iso27560.processing(choice)).contains("dpv:Analyse")
                .doesNotContain("dpv:Pseudonymise", "dpv:Transfer");
        Consent both = grant(new NewConsent(heartStudy.id(), null, null, null, null, null, List.of("records"), null));
        assertThat(org.mydata.operator.formats.Iso27560.processing(org.mydata.operator.formats.ChoiceRecord.of(both,
                heartStudy, List.of("Hospital A")))).contains("dpv:Analyse", "dpv:Pseudonymise", "dpv:Transfer");
    }

    @Test
    void theValidatorDoesCatchABrokenConsent() {
        // a control: the same mapping with a required element and the policy removed must fail validation,
        // so an empty error list above means the validator ran
        Consent consent = grant(new NewConsent(heartStudy.id(), null, null, null, null, null));
        org.hl7.fhir.r4.model.Consent broken = ConsentAsFhir.toFhir(consent, heartStudy);
        broken.setStatus(null);
        broken.getPolicy().clear();

        ValidationResult result = validator.validateWithResult(broken);
        assertThat(result.getMessages()).filteredOn(m -> m.getSeverity() == ResultSeverityEnum.ERROR)
                .extracting(SingleValidationMessage::getMessage)
                .anySatisfy(m -> assertThat(m).contains("Consent.status"))
                .anySatisfy(m -> assertThat(m).contains("ppc-1"));
    }

    @Test
    void aConsentForTheWholeProgrammeWithoutEndIsValidToo() {
        Consent consent = grant(new NewConsent(heartStudy.id(), null, null, null, null, null));

        org.hl7.fhir.r4.model.Consent resource = ConsentAsFhir.toFhir(consent, heartStudy);
        assertValidR4(resource);
        assertThat(resource.getProvision().getPeriod().hasEnd()).isFalse();
        assertThat(resource.getProvision().getDataPeriod().getStartElement().getValueAsString()).isEqualTo("2015-01-01");
        assertThat(resource.getProvision().getDataPeriod().hasEnd()).isFalse();
        assertThat(resource.getProvision().getClass_()).extracting(Coding::getCode)
                .containsExactly("Patient", "Observation", "Condition");
    }

    @Test
    void aPausedConsentIsInactiveAndTaggedPaused() {
        Consent granted = grant(new NewConsent(heartStudy.id(), null, null, null, null, null));
        op.consents.changeStatus(op.accountOf(granted), granted.id(), ConsentStatus.PAUSED,
                StatusRecord.ChangedBy.PERSON, null);
        Consent paused = op.consents.get(op.accountOf(granted), granted.id());

        org.hl7.fhir.r4.model.Consent resource = ConsentAsFhir.toFhir(paused, heartStudy);
        assertValidR4(resource);
        assertThat(resource.getStatus()).isEqualTo(ConsentState.INACTIVE);
        assertThat(resource.getMeta().getTag()).extracting(Coding::getSystem, Coding::getCode)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ConsentAsFhir.STATUS_SYSTEM, "paused"));

        op.consents.changeStatus(op.accountOf(granted), granted.id(), ConsentStatus.WITHDRAWN,
                StatusRecord.ChangedBy.PERSON, null);
        Consent withdrawn = op.consents.get(op.accountOf(granted), granted.id());
        org.hl7.fhir.r4.model.Consent gone = ConsentAsFhir.toFhir(withdrawn, heartStudy);
        assertValidR4(gone);
        assertThat(gone.getStatus()).isEqualTo(ConsentState.INACTIVE);
        assertThat(gone.getMeta().getTag()).extracting(Coding::getCode).containsExactly("withdrawn");
        // whatever the status, the attachment is the consent record, not a status record
        assertThat(new String(gone.getSourceAttachment().getData(), StandardCharsets.US_ASCII))
                .isEqualTo(granted.record());
    }
}
