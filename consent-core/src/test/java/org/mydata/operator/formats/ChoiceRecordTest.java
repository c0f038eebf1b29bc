package org.mydata.operator.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Consent.ConsentState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.formats.ConsentAsFhir;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.testing.TestOperator;

/** The one mapping table of a consent's history onto DPV and FHIR, including changes the operator made. */
class ChoiceRecordTest {
    @TempDir
    static Path keys;

    static TestOperator op;
    static Programme heartStudy;
    static final Issuer ISSUER = new Issuer("Test operator", "https://operator.example");

    @BeforeAll
    static void start() {
        op = new TestOperator(keys);
        op.source("Hospital A");
        heartStudy = op.heartStudy();
    }

    @Test
    void anOperatorsChangesAreItsOwnWithTheirReasonAndAnOperatorsWithdrawalIsARevocation() {
        Account person = op.newAccount();
        op.link(person, op.sources.list().get(0));
        Consent consent = op.consents.grant(person, new NewConsent(heartStudy.id(), null, null, null, null, null));
        op.consents.changeStatus(person, consent.id(), ConsentStatus.PAUSED, StatusRecord.ChangedBy.OPERATOR,
                "source audit");
        op.consents.changeStatus(person, consent.id(), ConsentStatus.ACTIVE, StatusRecord.ChangedBy.PERSON, null);
        op.consents.changeStatus(person, consent.id(), ConsentStatus.WITHDRAWN, StatusRecord.ChangedBy.OPERATOR,
                "programme closed");
        Consent after = op.consents.get(person, consent.id());

        ChoiceRecord choice = ChoiceRecord.of(after, heartStudy, List.of("Hospital A"));
        assertThat(choice.events()).extracting(ChoiceRecord.Event::type).containsExactly(
                ChoiceRecord.EventType.GIVEN, ChoiceRecord.EventType.PAUSED, ChoiceRecord.EventType.RESUMED,
                ChoiceRecord.EventType.REVOKED);
        assertThat(choice.events()).extracting(e -> e.type().fhirState()).containsExactly(
                ConsentState.ACTIVE, ConsentState.INACTIVE, ConsentState.ACTIVE, ConsentState.INACTIVE);

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> events = (List<Map<String, Object>>) Iso27560.record(choice, ISSUER)
                .get("dpv:hasConsentStatus");
        assertThat(events.get(1)).containsEntry("dpv:isIndicatedBy", Issuer.OPERATOR_IRI)
                .containsEntry("dct:description", "source audit");
        assertThat(events.get(2)).containsEntry("dpv:isIndicatedBy", "dpv:DataSubject");
        assertThat(events.get(3)).containsEntry("@type", List.of("dpv:ConsentRevoked"))
                .containsEntry("dct:description", "programme closed");

        var fhir = ConsentAsFhir.toFhir(choice);
        assertThat(fhir.getStatus()).isEqualTo(ConsentState.INACTIVE);
        assertThat(fhir.getMeta().getTag(ConsentAsFhir.STATUS_SYSTEM, "withdrawn")).isNotNull();
        assertThat(DataAltruismForm.form(choice, ISSUER).get("modules").toString()).contains("status=revoked");
    }

    @Test
    void theProgrammeMustBeTheConsents() {
        Account person = op.newAccount();
        op.link(person, op.sources.list().get(0));
        Consent consent = op.consents.grant(person, new NewConsent(heartStudy.id(), null, null, null, null, null));
        Programme other = new Programme(java.util.UUID.randomUUID(), heartStudy.name(), heartStudy.description(),
                heartStudy.organisation(), heartStudy.purposes(), heartStudy.scope(), heartStudy.termsUri(),
                heartStudy.termsVersion(), heartStudy.stewards(), heartStudy.createdAt());
        assertThatThrownBy(() -> ChoiceRecord.of(consent, other, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
