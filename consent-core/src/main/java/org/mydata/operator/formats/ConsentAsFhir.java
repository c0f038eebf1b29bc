package org.mydata.operator.formats;

import org.mydata.operator.consent.Consent;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;

/**
 * A signed choice as a FHIR R4 {@code Consent} resource, carrying the signed record as its source attachment
 * (and its log index as an identifier) so that the resource can be checked against the operator's keys. Written
 * from {@link ChoiceRecord}, as every standard format is: status, provision type and legal basis come from its
 * one mapping table.
 */
public final class ConsentAsFhir {
    /** Our own code systems; URNs so they never pretend to resolve to a page. */
    public static final String ACCOUNT_SYSTEM = "urn:mydata-operator:account";
    public static final String CONSENT_SYSTEM = "urn:mydata-operator:consent";
    public static final String STATUS_SYSTEM = "urn:mydata-operator:consent-status";
    /** A record's index in the transparency log; the audit bundle names the same entries with it. */
    public static final String LOG_SYSTEM = "urn:mydata-operator:log";
    /** The access modes a consent allows, as the provision's actions ({@code statistics}, {@code records}). */
    public static final String ACCESS_MODE_SYSTEM = "urn:mydata-operator:access-mode";

    private ConsentAsFhir() {
    }

    public static org.hl7.fhir.r4.model.Consent toFhir(Consent consent, Programme programme) {
        return toFhir(ChoiceRecord.of(consent, programme, List.of()));
    }

    /**
     * The patient is the person's operator account (pseudonymous: no name, no national identifier), which is
     * what both audiences of this resource, the person and the operator's auditors, already know the person by.
     */
    public static org.hl7.fhir.r4.model.Consent toFhir(ChoiceRecord choice) {
        org.hl7.fhir.r4.model.Consent fhir = new org.hl7.fhir.r4.model.Consent();
        fhir.setId(choice.id().toString());
        fhir.addIdentifier(new Identifier().setSystem(CONSENT_SYSTEM).setValue(choice.id().toString()));
        if (choice.signed().logIndex() != null) {
            fhir.addIdentifier(new Identifier().setSystem(LOG_SYSTEM).setValue(choice.signed().logIndex().toString()));
        }
        ChoiceRecord.EventType latest = choice.latest().type();
        // FHIR has no "paused": a paused or withdrawn consent is not in force (inactive); the tag keeps the difference.
        fhir.setStatus(latest.fhirState());
        fhir.getMeta().addTag(STATUS_SYSTEM, latest.status().wire(), latest.status().wire());
        fhir.setScope(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "research",
                "Research")));
        fhir.addCategory(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/consentcategorycodes",
                "research", "Research Information Access")));
        fhir.setPatient(new Reference().setIdentifier(
                new Identifier().setSystem(ACCOUNT_SYSTEM).setValue(choice.accountId().toString())));
        fhir.setDateTimeElement(new DateTimeType(Date.from(choice.createdAt())));
        fhir.addOrganization(new Reference().setDisplay(choice.programme().organisation()));
        // The language of the text the person read and signed; the JWS's terms state it too.
        fhir.setLanguage(choice.terms().language());
        fhir.setSource(new Attachment()
                .setLanguage(choice.terms().language())
                .setContentType("application/jose")
                .setData(choice.signed().jws().getBytes(StandardCharsets.US_ASCII))
                .setTitle("Signed consent record (compact JWS)"));
        fhir.addPolicy().setUri(choice.terms().policyUri().toString());
        var provision = fhir.getProvision();
        provision.setType(choice.kind().fhirProvision());
        Period period = new Period().setStart(Date.from(choice.validFrom()));
        if (choice.validUntil() != null) {
            period.setEnd(Date.from(choice.validUntil()));
        }
        provision.setPeriod(period);
        for (AccessMode mode : choice.accessModes()) {
            provision.addAction(new CodeableConcept(new Coding(ACCESS_MODE_SYSTEM, mode.wireName(),
                    mode == AccessMode.STATISTICS ? "statistics about groups of people"
                            : "pseudonymised record-level data")));
        }
        for (Purpose purpose : choice.purposes()) {
            provision.addPurpose(new Coding(purpose.codeSystem(), purpose.term(), purpose.plainWords()));
        }
        for (String type : choice.scope().resourceTypes()) {
            provision.addClass_(new Coding("http://hl7.org/fhir/resource-types", type, type));
        }
        if (choice.scope().dataFrom() != null || choice.scope().dataUntil() != null) {
            Period data = new Period();
            if (choice.scope().dataFrom() != null) {
                data.setStartElement(new DateTimeType(choice.scope().dataFrom().toString()));
            }
            if (choice.scope().dataUntil() != null) {
                data.setEndElement(new DateTimeType(choice.scope().dataUntil().toString()));
            }
            provision.setDataPeriod(data);
        }
        return fhir;
    }
}
