package org.mydata.operator.formats;

import org.mydata.operator.verify.audit.AuditBundle;
import org.mydata.operator.verify.audit.ReadRecord;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Signature;
import org.hl7.fhir.r4.model.StringType;
import org.mydata.operator.verify.access.AccessEntry;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.notify.Erasures;
import org.mydata.operator.notify.Notices;
import org.mydata.operator.optout.OptOut;
import org.mydata.operator.programme.Programme;

/**
 * A consent's {@link AuditBundle} as a FHIR R4 {@code Bundle} of type {@code collection}: the {@code Consent}
 * (as {@link ConsentAsFhir} maps it), one {@code Provenance} per signed record carrying the compact JWS as its
 * signature, and one {@code AuditEvent} per access event that relied on the consent. Entries refer to each
 * other by {@code urn:uuid:} full URLs.
 *
 * <p>This is a view for FHIR tooling, not a substitute for the audit bundle: the inclusion proofs and the
 * checkpoint are not in it, and nothing in it is verified here. The JWS in each signature can be checked
 * against the operator's JWKS; an access event's canonical log entry is not carried, only what it says.
 */
public final class AuditBundleAsFhir {
    public static final String OPERATOR = "MyData Consent Operator";
    public static final String GATEWAY = "MyData Consent Operator FHIR gateway";
    public static final String RECORD_KIND_SYSTEM = "urn:mydata-operator:record-kind";
    public static final String PERMIT_SYSTEM = "urn:mydata-operator:permit";
    public static final String ACCESS_EVENT_SYSTEM = "urn:mydata-operator:access-event";
    public static final String LOG_SYSTEM = ConsentAsFhir.LOG_SYSTEM;
    public static final String SIGNATURE_TYPE_SYSTEM = "urn:iso-astm:E1762-95:2013";
    public static final String VERIFICATION_SIGNATURE = "1.2.840.10065.1.12.1.5";
    public static final String JOSE = "application/jose";
    public static final String NOTIFICATION_SYSTEM = "urn:mydata-operator:notification";
    /** The subtype of an access event that is a statistical answer: not a RESTful interaction on records. */
    public static final String STATISTICS_SYSTEM = "urn:mydata-operator:access-mode";
    private static final String LIFECYCLE = "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle";

    private static final String DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation";
    private static final String PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
    private static final String AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    private static final String RESTFUL_INTERACTION = "http://hl7.org/fhir/restful-interaction";

    private AuditBundleAsFhir() {
    }

    /**
     * @param consent   the consent the bundle is about, as the operator holds it now
     * @param programme its programme
     */
    public static Bundle toFhir(AuditBundle bundle, Consent consent, Programme programme) {
        return toFhir(bundle, consent, programme, List.of());
    }

    /**
     * As {@link #toFhir(AuditBundle, Consent, Programme)}, with one {@code AuditEvent} per notification to a permit
     * holder about the consent (ISO 21089 {@code transmit}) and one per erasure it acknowledged ({@code destroy},
     * the signed acknowledgement in an entity detail).
     */
    public static Bundle toFhir(AuditBundle bundle, Consent consent, Programme programme,
                                List<Notices.Notice> notices) {
        Objects.requireNonNull(bundle, "bundle");
        if (!consent.id().toString().equals(bundle.consentId())) {
            throw new IllegalArgumentException("the consent is not the one the audit bundle is about");
        }
        Bundle fhir = new Bundle();
        fhir.setType(Bundle.BundleType.COLLECTION);
        fhir.setTimestamp(Date.from(bundle.checkpoint().issuedAt()));

        String consentUrl = "urn:uuid:" + consent.id();
        add(fhir, consentUrl, ConsentAsFhir.toFhir(consent, programme));
        return withRecordsAndEvents(fhir, bundle, consentUrl, consent.createdAt(), notices);
    }

    /**
     * An inclusion bundle (a person in a programme on an opt-out basis) as FHIR: the person's opt-out as a
     * {@code Consent} whose provision denies ({@link OptOutAsFhir}), then the records and access events as for a
     * consent.
     *
     * @param optOut the person's latest opt-out of the programme
     */
    public static Bundle toFhir(AuditBundle bundle, OptOut optOut, Programme programme) {
        Objects.requireNonNull(bundle, "bundle");
        if (bundle.inclusion() == null || !bundle.inclusion().accountId().equals(optOut.accountId().toString())
                || !bundle.inclusion().programmeId().equals(optOut.programmeId().toString())) {
            throw new IllegalArgumentException("the opt-out is not of the person and programme the bundle is about");
        }
        Bundle fhir = new Bundle();
        fhir.setType(Bundle.BundleType.COLLECTION);
        fhir.setTimestamp(Date.from(bundle.checkpoint().issuedAt()));
        String optOutUrl = "urn:uuid:" + optOut.id();
        add(fhir, optOutUrl, OptOutAsFhir.toFhir(optOut, programme));
        return withRecordsAndEvents(fhir, bundle, optOutUrl, optOut.createdAt(), List.of());
    }

    private static Bundle withRecordsAndEvents(Bundle fhir, AuditBundle bundle, String consentUrl, Instant made,
                                               List<Notices.Notice> notices) {
        for (AuditBundle.Item item : bundle.records()) {
            String id = UUID.nameUUIDFromBytes(item.jws().getBytes(StandardCharsets.US_ASCII)).toString();
            add(fhir, "urn:uuid:" + id, provenance(id, item, consentUrl, made));
        }
        for (AuditBundle.AccessEventItem event : bundle.accessEvents()) {
            String id = UUID.nameUUIDFromBytes(("access-event:" + event.logIndex()).getBytes(StandardCharsets.US_ASCII))
                    .toString();
            add(fhir, "urn:uuid:" + id, auditEvent(id, event, consentUrl, bundle.checkpoint().issuedAt()));
        }
        for (Notices.Notice notice : notices) {
            String id = UUID.nameUUIDFromBytes(("notification:" + notice.eventId()).getBytes(StandardCharsets.US_ASCII))
                    .toString();
            add(fhir, "urn:uuid:" + id, notification(id, notice, consentUrl));
            if (notice.erasure() != null) {
                String ackId = notice.erasure().id().toString();
                add(fhir, "urn:uuid:" + ackId, erasure(ackId, notice, consentUrl));
            }
        }
        return fhir;
    }

    private static AuditEvent notification(String id, Notices.Notice notice, String consentUrl) {
        AuditEvent audit = new AuditEvent();
        audit.setId(id);
        audit.setType(new Coding(LIFECYCLE, "transmit", "Transmit"));
        audit.addSubtype(new Coding(NOTIFICATION_SYSTEM, notice.type(), null));
        audit.setAction(AuditEvent.AuditEventAction.E);
        boolean delivered = notice.delivery() == Notices.Delivery.DELIVERED;
        audit.setRecorded(Date.from(delivered ? notice.firstDeliveredAt() : notice.occurredAt()));
        audit.setOutcome(delivered ? AuditEvent.AuditEventOutcome._0 : AuditEvent.AuditEventOutcome._4);
        audit.setOutcomeDesc("delivery " + notice.delivery().wire());
        audit.addAgent().setRequestor(true).setWho(new Reference().setDisplay(OPERATOR));
        audit.addAgent().setRequestor(false).setWho(new Reference().setDisplay(notice.researcher()
                + " (" + notice.organisation() + ")"));
        AuditEvent.AuditEventEntityComponent consent = aboutTheConsent(audit, OPERATOR, consentUrl);
        detail(consent, "event_id", notice.eventId().toString());
        detail(consent, "erasure_requested", Boolean.toString(notice.erasureRequested()));
        audit.addEntity().setWhat(permit(notice.permitId().toString()));
        return audit;
    }

    private static AuditEvent erasure(String id, Notices.Notice notice, String consentUrl) {
        Erasures.Acknowledgement ack = notice.erasure();
        AuditEvent audit = new AuditEvent();
        audit.setId(id);
        audit.setType(new Coding(LIFECYCLE, "destroy", "Destroy/Delete"));
        audit.setAction(AuditEvent.AuditEventAction.D);
        audit.setRecorded(Date.from(ack.doneAt()));
        audit.setOutcome(AuditEvent.AuditEventOutcome._0);
        audit.addAgent().setRequestor(true).setWho(new Reference().setDisplay(ack.acknowledgedBy()
                + " (" + notice.organisation() + ")"));
        AuditEvent.AuditEventEntityComponent consent = aboutTheConsent(audit, OPERATOR, consentUrl);
        detail(consent, "event_id", notice.eventId().toString());
        detail(consent, "log_index", Long.toString(ack.logIndex()));
        // The signed acknowledgement itself, checkable against the JWKS like every record.
        consent.addDetail().setType(JOSE).setValue(new org.hl7.fhir.r4.model.Base64BinaryType(
                ack.record().getBytes(StandardCharsets.US_ASCII)));
        audit.addEntity().setWhat(permit(notice.permitId().toString()));
        return audit;
    }

    /** The event's observer and its first entity, the consent the bundle is about; the details are the caller's. */
    private static AuditEvent.AuditEventEntityComponent aboutTheConsent(AuditEvent audit, String observer,
                                                                        String consentUrl) {
        audit.getSource().setObserver(new Reference().setDisplay(observer));
        return audit.addEntity().setWhat(new Reference(consentUrl));
    }

    private static void detail(AuditEvent.AuditEventEntityComponent entity, String type, String value) {
        entity.addDetail().setType(type).setValue(new StringType(value));
    }

    private static Reference permit(String permitId) {
        return new Reference().setIdentifier(new Identifier().setSystem(PERMIT_SYSTEM).setValue(permitId))
                .setDisplay("permit " + permitId);
    }

    private static void add(Bundle bundle, String fullUrl, Resource resource) {
        bundle.addEntry().setFullUrl(fullUrl).setResource(resource);
    }

    private static Provenance provenance(String id, AuditBundle.Item item, String consentUrl, Instant made) {
        ReadRecord record = ReadRecord.unchecked(item.jws());
        Long iat = record.wholeNumber("iat");
        // A record without a readable iat is still listed; its time is then the consent's, and says so.
        Date recorded = Date.from(iat == null ? made : Instant.ofEpochSecond(iat));
        String where = item.logIndex() == null ? "not in the log" : "log index " + item.logIndex();

        Provenance provenance = new Provenance();
        provenance.setId(id);
        provenance.addTarget(new Reference(consentUrl));
        provenance.setRecorded(recorded);
        provenance.addPolicy(RECORD_KIND_SYSTEM + ":" + item.kind().wire());
        provenance.setActivity(new CodeableConcept(new Coding(DATA_OPERATION, operation(item.kind()), null))
                .setText(item.kind().wire() + " record (" + item.kind().recordType().mediaType() + "), " + where
                        + (iat == null ? "; no readable iat, recorded is the consent's creation time" : "")));
        if ((item.kind() == AuditBundle.Kind.CSR || item.kind() == AuditBundle.Kind.OPT_OUT)
                && record.string("status") != null) {
            String reason = record.string("reason");
            provenance.addReason().setText("status " + record.string("status")
                    + (record.string("changed_by") == null ? "" : " by " + record.string("changed_by"))
                    + (reason == null ? "" : ": " + reason));
        }
        provenance.addAgent()
                .setType(new CodeableConcept(new Coding(PARTICIPANT_TYPE, "author", "Author")))
                .setWho(new Reference().setDisplay(OPERATOR));

        Signature signature = new Signature();
        signature.addType(new Coding(SIGNATURE_TYPE_SYSTEM, VERIFICATION_SIGNATURE, "Verification Signature"));
        signature.setWhen(recorded);
        signature.setWho(new Reference().setDisplay(OPERATOR));
        signature.setSigFormat(JOSE);
        signature.setData(item.jws().getBytes(StandardCharsets.US_ASCII));
        provenance.addSignature(signature);
        return provenance;
    }

    private static String operation(AuditBundle.Kind kind) {
        return switch (kind) {
            case CR, SLR, PERMIT, OPT_OUT -> "CREATE";
            case CSR -> "UPDATE";
            case SLR_REMOVAL, PERMIT_REVOCATION -> "DELETE";
        };
    }

    private static AuditEvent auditEvent(String id, AuditBundle.AccessEventItem event, String consentUrl,
                                         Instant checkpointTime) {
        AccessEntry entry = AccessEntry.parse(event.entry()) instanceof AccessEntry read ? read : null;
        AuditEvent audit = new AuditEvent();
        audit.setId(id);
        audit.setType(new Coding(AUDIT_EVENT_TYPE, "rest", "RESTful Operation"));
        if (entry != null) {
            audit.addSubtype(org.mydata.operator.verify.release.AccessMode.STATISTICS_INTERACTION.equals(entry.interaction())
                    ? new Coding(STATISTICS_SYSTEM, entry.interaction(), "counted in a statistical answer")
                    : new Coding(RESTFUL_INTERACTION, entry.interaction(), null));
        }
        audit.setAction(AuditEvent.AuditEventAction.R);
        audit.setRecorded(Date.from(entry == null ? checkpointTime : entry.at()));
        audit.setOutcome(AuditEvent.AuditEventOutcome._0);
        if (entry == null) {
            audit.setOutcomeDesc("the log entry " + (event.entry() == null ? "was erased" : "could not be read")
                    + "; recorded is the time of the checkpoint that covers it");
        }
        String client = entry != null ? entry.client() : "unknown client";
        audit.addAgent().setRequestor(true).setWho(new Reference().setDisplay(client));

        AuditEvent.AuditEventEntityComponent consent = aboutTheConsent(audit, GATEWAY, consentUrl);
        detail(consent, "log_index", Long.toString(event.logIndex()));
        if (entry != null) {
            detail(consent, "event_id", entry.eventId().toString());
            if (!entry.resourceTypes().isEmpty()) {
                detail(consent, "resource_types", String.join(",", entry.resourceTypes()));
            }
            detail(consent, "resource_count", Long.toString(entry.resourceCount()));
            audit.addEntity().setWhat(permit(entry.permitId().toString()));
        }
        return audit;
    }
}
