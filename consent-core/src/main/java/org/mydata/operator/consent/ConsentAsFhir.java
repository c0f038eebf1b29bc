package org.mydata.operator.consent;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.Purpose;

/**
 * A consent as a FHIR R4 {@code Consent} resource, carrying the signed consent record as its source
 * attachment so that the resource can be checked against the operator's keys.
 */
public final class ConsentAsFhir {
    /** Our own code systems; URNs so they never pretend to resolve to a page. */
    public static final String ACCOUNT_SYSTEM = "urn:mydata-operator:account";
    public static final String CONSENT_SYSTEM = "urn:mydata-operator:consent";
    public static final String STATUS_SYSTEM = "urn:mydata-operator:consent-status";

    private ConsentAsFhir() {
    }

    public static org.hl7.fhir.r4.model.Consent toFhir(Consent consent, Programme programme) {
        org.hl7.fhir.r4.model.Consent fhir = new org.hl7.fhir.r4.model.Consent();
        fhir.setId(consent.id().toString());
        fhir.addIdentifier(new Identifier().setSystem(CONSENT_SYSTEM).setValue(consent.id().toString()));
        // FHIR has no "paused": a paused or withdrawn consent is not in force (inactive); the tag keeps the difference.
        fhir.setStatus(consent.status() == ConsentStatus.ACTIVE
                ? org.hl7.fhir.r4.model.Consent.ConsentState.ACTIVE
                : org.hl7.fhir.r4.model.Consent.ConsentState.INACTIVE);
        fhir.getMeta().addTag(STATUS_SYSTEM, consent.status().wire(), consent.status().wire());
        fhir.setScope(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "research",
                "Research")));
        fhir.addCategory(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/consentcategorycodes",
                "research", "Research Information Access")));
        fhir.setPatient(new Reference().setIdentifier(
                new Identifier().setSystem(ACCOUNT_SYSTEM).setValue(consent.accountId().toString())));
        fhir.setDateTimeElement(new DateTimeType(Date.from(consent.createdAt())));
        fhir.addOrganization(new Reference().setDisplay(programme.organisation()));
        fhir.setSource(new Attachment()
                .setContentType("application/jose")
                .setData(consent.record().getBytes(StandardCharsets.US_ASCII))
                .setTitle("Signed consent record (compact JWS)"));
        fhir.addPolicy().setUri(consent.terms().policyUri().toString());
        var provision = fhir.getProvision();
        provision.setType(org.hl7.fhir.r4.model.Consent.ConsentProvisionType.PERMIT);
        Period period = new Period().setStart(Date.from(consent.validFrom()));
        if (consent.validUntil() != null) {
            period.setEnd(Date.from(consent.validUntil()));
        }
        provision.setPeriod(period);
        for (Purpose purpose : consent.purposes()) {
            provision.addPurpose(new Coding(purpose.codeSystem(), purpose.term(), purpose.plainWords()));
        }
        for (String type : consent.scope().resourceTypes()) {
            provision.addClass_(new Coding("http://hl7.org/fhir/resource-types", type, type));
        }
        if (consent.scope().dataFrom() != null || consent.scope().dataUntil() != null) {
            Period data = new Period();
            if (consent.scope().dataFrom() != null) {
                data.setStartElement(new DateTimeType(consent.scope().dataFrom().toString()));
            }
            if (consent.scope().dataUntil() != null) {
                data.setEndElement(new DateTimeType(consent.scope().dataUntil().toString()));
            }
            provision.setDataPeriod(data);
        }
        return fhir;
    }
}
