package org.mydata.operator.formats;

import org.mydata.operator.optout.OptOut;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.Purpose;

/**
 * An opt-out as a FHIR R4 {@code Consent} resource: the person's objection is a consent directive whose base
 * provision <em>denies</em> ({@code provision.type = deny}) the programme's purposes and data, the way FHIR
 * expresses an opt-out. It is {@code active} while the opt-out is live and {@code inactive} once withdrawn; the
 * signed opt-out record travels as its source attachment so it can be checked against the operator's keys.
 */
public final class OptOutAsFhir {
    public static final String OPT_OUT_SYSTEM = "urn:mydata-operator:opt-out";
    public static final String LEGAL_BASIS_SYSTEM = "urn:mydata-operator:legal-basis";

    private OptOutAsFhir() {
    }

    public static Consent toFhir(OptOut optOut, Programme programme) {
        Consent fhir = new Consent();
        fhir.setId(optOut.id().toString());
        fhir.addIdentifier(new Identifier().setSystem(OPT_OUT_SYSTEM).setValue(optOut.id().toString()));
        fhir.setStatus(optOut.isLive() ? Consent.ConsentState.ACTIVE : Consent.ConsentState.INACTIVE);
        fhir.getMeta().addTag(ConsentAsFhir.STATUS_SYSTEM, optOut.isLive() ? "opted-out" : "withdrawn",
                optOut.isLive() ? "opted out" : "opt-out withdrawn");
        fhir.setScope(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "research",
                "Research")));
        fhir.addCategory(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/consentcategorycodes",
                "research", "Research Information Access")));
        fhir.setPatient(new Reference().setIdentifier(
                new Identifier().setSystem(ConsentAsFhir.ACCOUNT_SYSTEM).setValue(optOut.accountId().toString())));
        fhir.setDateTimeElement(new DateTimeType(Date.from(optOut.createdAt())));
        fhir.addOrganization(new Reference().setDisplay(programme.organisation()));
        fhir.setSource(new Attachment()
                .setContentType("application/jose")
                .setData(optOut.optOutRecord().record().getBytes(StandardCharsets.US_ASCII))
                .setTitle("Signed opt-out record (compact JWS)"));
        fhir.addPolicy().setUri(programme.termsUri().toString());
        // The basis the programme rests on, in words and as our code: what the person objected under.
        fhir.addPolicy().setAuthority(LEGAL_BASIS_SYSTEM + ":" + optOut.legalBasis().wire())
                .setUri(programme.termsUri().toString());
        var provision = fhir.getProvision();
        provision.setType(Consent.ConsentProvisionType.DENY);
        Period period = new Period().setStart(Date.from(optOut.createdAt()));
        if (optOut.withdrawnAt() != null) {
            period.setEnd(Date.from(optOut.withdrawnAt()));
        }
        provision.setPeriod(period);
        for (Purpose purpose : programme.purposes()) {
            provision.addPurpose(new Coding(purpose.codeSystem(), purpose.term(), purpose.plainWords()));
        }
        for (String type : programme.scope().resourceTypes()) {
            provision.addClass_(new Coding("http://hl7.org/fhir/resource-types", type, type));
        }
        return fhir;
    }
}
