package org.mydata.operator.audit;

import org.mydata.operator.formats.AuditBundleAsFhir;

import org.mydata.operator.verify.audit.AuditBundle;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.VerifiedRecord;

class AuditBundleAsFhirTest {
    @TempDir
    static Path keys;

    static AuditFixture fx;
    static FhirContext fhir;
    static FhirValidator validator;

    @BeforeAll
    static void start() {
        fx = new AuditFixture(keys);
        fhir = FhirContext.forR4();
        ValidationSupportChain support = new ValidationSupportChain(
                new DefaultProfileValidationSupport(fhir),
                new CommonCodeSystemsTerminologyService(fhir),
                new InMemoryTerminologyServerValidationSupport(fhir),
                new SnapshotGeneratingValidationSupport(fhir));
        validator = fhir.newValidator().registerValidatorModule(new FhirInstanceValidator(support));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static String describe(List<SingleValidationMessage> messages) {
        return messages.stream().map(m -> m.getSeverity() + " " + m.getLocationString() + ": " + m.getMessage())
                .collect(Collectors.joining("\n"));
    }

    private static <T extends Resource> List<T> entries(Bundle bundle, Class<T> type) {
        return bundle.getEntry().stream().map(Bundle.BundleEntryComponent::getResource).filter(type::isInstance)
                .map(type::cast).toList();
    }

    @Test
    void aPausedConsentWithAnAccessIsAValidR4BundleCarryingTheSignatures() throws Exception {
        Consent granted = fx.consent(fx.op.newAccount());
        fx.access(granted, 3);
        fx.change(granted, ConsentStatus.PAUSED);
        AuditBundle audit = fx.bundle(granted);
        Consent consent = fx.op.consents.getForAudit(granted.id());
        assertThat(consent.status()).isEqualTo(ConsentStatus.PAUSED);

        Bundle bundle = AuditBundleAsFhir.toFhir(audit, consent, fx.programme);
        // validated in its wire form, as a client would receive it
        String json = fhir.newJsonParser().encodeResourceToString(bundle);
        ValidationResult result = validator.validateWithResult(json);
        List<SingleValidationMessage> errors = result.getMessages().stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                .toList();
        assertThat(errors).as("validation errors:%n%s%nall messages:%n%s", describe(errors),
                describe(result.getMessages())).isEmpty();

        Bundle parsed = fhir.newJsonParser().parseResource(Bundle.class, json);
        assertThat(parsed.getType()).isEqualTo(Bundle.BundleType.COLLECTION);
        assertThat(parsed.getEntry()).allSatisfy(e -> assertThat(e.getFullUrl()).startsWith("urn:uuid:"));
        String consentUrl = "urn:uuid:" + granted.id();
        assertThat(parsed.getEntryFirstRep().getFullUrl()).isEqualTo(consentUrl);
        assertThat(entries(parsed, org.hl7.fhir.r4.model.Consent.class)).hasSize(1);

        // one provenance per record, in the audit bundle's order, each signature the record's JWS
        List<Provenance> provenances = entries(parsed, Provenance.class);
        assertThat(provenances).hasSize(audit.records().size());
        assertThat(audit.records()).extracting(AuditBundle.Item::kind)
                .contains(AuditBundle.Kind.CR, AuditBundle.Kind.CSR, AuditBundle.Kind.SLR);
        for (int i = 0; i < provenances.size(); i++) {
            Provenance p = provenances.get(i);
            AuditBundle.Item item = audit.records().get(i);
            assertThat(p.getTargetFirstRep().getReference()).isEqualTo(consentUrl);
            assertThat(p.getPolicy().get(0).getValue()).isEqualTo(AuditBundleAsFhir.RECORD_KIND_SYSTEM + ":"
                    + item.kind().wire());
            assertThat(p.getActivity().getText()).contains("log index " + item.logIndex());
            var signature = p.getSignatureFirstRep();
            assertThat(signature.getTypeFirstRep().getSystem()).isEqualTo(AuditBundleAsFhir.SIGNATURE_TYPE_SYSTEM);
            assertThat(signature.getTypeFirstRep().getCode()).isEqualTo(AuditBundleAsFhir.VERIFICATION_SIGNATURE);
            assertThat(signature.getSigFormat()).isEqualTo("application/jose");
            assertThat(signature.getWho().getDisplay()).isEqualTo(AuditBundleAsFhir.OPERATOR);
            String jws = new String(signature.getData(), StandardCharsets.US_ASCII);
            assertThat(jws).isEqualTo(item.jws());
            VerifiedRecord verified = fx.op.verifier().verify(jws);
            assertThat(verified.type()).isEqualTo(item.kind().recordType());
            assertThat(p.getRecorded().toInstant().getEpochSecond()).isEqualTo(verified.claims().get("iat"));
        }
        assertThat(new String(provenances.get(0).getSignatureFirstRep().getData(), StandardCharsets.US_ASCII))
                .isEqualTo(granted.record());
        assertThat(fx.op.verifier().verify(granted.record()).type()).isEqualTo(RecordType.CONSENT);

        // the access event
        List<AuditEvent> events = entries(parsed, AuditEvent.class);
        assertThat(events).hasSize(1);
        AuditEvent event = events.get(0);
        assertThat(event.getType().getCode()).isEqualTo("rest");
        assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("search-type");
        assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
        assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
        assertThat(event.getAgentFirstRep().getRequestor()).isTrue();
        assertThat(event.getAgentFirstRep().getWho().getDisplay()).isEqualTo("researcher@uni.example");
        assertThat(event.getSource().getObserver().getDisplay()).isEqualTo(AuditBundleAsFhir.GATEWAY);
        assertThat(event.getEntity().get(0).getWhat().getReference()).isEqualTo(consentUrl);
        assertThat(event.getEntity().get(0).getDetail()).anySatisfy(d -> {
            assertThat(d.getType()).isEqualTo("log_index");
            assertThat(d.getValue().primitiveValue())
                    .isEqualTo(Long.toString(audit.accessEvents().get(0).logIndex()));
        });
        assertThat(event.getEntity().get(1).getWhat().getIdentifier().getValue()).isEqualTo(fx.permitId.toString());

        // a control: without a required element the same bundle must fail, so no errors above means it ran
        entries(parsed, Provenance.class).get(0).setRecorded(null);
        ValidationResult broken = validator.validateWithResult(parsed);
        assertThat(broken.getMessages()).filteredOn(m -> m.getSeverity() == ResultSeverityEnum.ERROR)
                .extracting(SingleValidationMessage::getMessage)
                .anySatisfy(m -> assertThat(m).contains("Provenance.recorded"));
    }
}
