package org.mydata.operator.formats;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.hl7.fhir.r4.model.Consent.ConsentProvisionType;
import org.hl7.fhir.r4.model.Consent.ConsentState;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.consent.Terms;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ConsentModes;

/**
 * One signed choice a person made about a programme, as every standard format reads it. ISO/IEC TS 27560 (with
 * DPV), the DGA data altruism form and the FHIR {@code Consent} are all written from this value and never from the
 * domain records, so a new kind of record is mapped once, here ({@link Kind}, {@link EventType} and a factory like
 * {@link #of(Consent, Programme, List)}), and every format follows.
 *
 * @param accessModes how researchers may receive the data: statistics only, or statistics and pseudonymised records
 * @param sourceNames the names of the sources the data comes from, as the person's links name them
 * @param shownText   the exact text the person was shown (its SHA-256 is {@code terms.shownTextSha256})
 * @param signed      the record itself (for a consent, the consent record, CR)
 * @param events      its status history, oldest first, each a signed status record
 */
public record ChoiceRecord(Kind kind, UUID id, UUID accountId, Programme programme, List<Purpose> purposes,
                           DataScope scope, List<AccessMode> accessModes, List<String> sourceNames, Instant validFrom,
                           Instant validUntil, Terms terms,
                           String shownText, Signed signed, Instant createdAt, List<Event> events) {

    public ChoiceRecord {
        Objects.requireNonNull(kind, "kind");
        purposes = List.copyOf(purposes);
        accessModes = ConsentModes.normalised(accessModes);
        sourceNames = List.copyOf(sourceNames);
        events = List.copyOf(events);
        if (events.isEmpty()) {
            throw new IllegalArgumentException("a signed choice has at least the event that made it");
        }
    }

    /** A compact JWS and where it sits in the transparency log (null while it is not in the log). */
    record Signed(String jws, Long logIndex) {
        public Signed {
            Objects.requireNonNull(jws, "jws");
        }
    }

    /** One change of standing, as its signed status record states it. */
    record Event(UUID id, int sequence, EventType type, Instant at, StatusRecord.ChangedBy by, String reason,
                        Signed signed) {
    }

    /**
     * What kind of choice, and what follows for the formats: FHIR's provision type and the legal basis in DPV
     * terms. An opt-out record (an objection under GDPR Art. 21) is the next constant here, with
     * {@code ConsentProvisionType.DENY} and its own basis (e.g. {@code eu-gdpr:A6-1-e}); the formats switch on this.
     */
    enum Kind {
        /**
         * Explicit consent to special-category (health) data: GDPR Art. 6(1)(a) with Art. 9(2)(a), given by a
         * direct action about this consent alone (the person confirms the shown text), hence "explicitly expressed".
         */
        CONSENT(ConsentProvisionType.PERMIT,
                List.of("dpv:ExplicitlyExpressedConsent", "eu-gdpr:A6-1-a", "eu-gdpr:A9-2-a"));

        private final ConsentProvisionType provision;
        private final List<String> legalBasis;

        Kind(ConsentProvisionType provision, List<String> legalBasis) {
            this.provision = provision;
            this.legalBasis = legalBasis;
        }

        public ConsentProvisionType fhirProvision() {
            return provision;
        }

        /** DPV and DPV EU-GDPR terms, compact ({@code dpv:}, {@code eu-gdpr:}). */
        public List<String> legalBasis() {
            return legalBasis;
        }
    }

    /**
     * The history's events and the one table that maps them onto DPV's consent statuses and FHIR's states.
     * DPV has no "paused": a paused consent is in a state DPV files under "invalid for processing", and our own
     * term says which; resuming is DPV's "renewed consent given" (the person reaffirms the same consent).
     */
    enum EventType {
        GIVEN(List.of("dpv:ConsentGiven"), ConsentState.ACTIVE, ConsentStatus.ACTIVE, "given"),
        PAUSED(List.of("dpv:ConsentStatusInvalidForProcessing", "mydata:ConsentPaused"), ConsentState.INACTIVE,
                ConsentStatus.PAUSED, "paused"),
        RESUMED(List.of("dpv:RenewedConsentGiven"), ConsentState.ACTIVE, ConsentStatus.ACTIVE, "resumed"),
        /** Withdrawn by the person: final. */
        WITHDRAWN(List.of("dpv:ConsentWithdrawn"), ConsentState.INACTIVE, ConsentStatus.WITHDRAWN, "withdrawn"),
        /** Withdrawn by the operator, with a reason (DPV: revoked by an entity other than the data subject). */
        REVOKED(List.of("dpv:ConsentRevoked"), ConsentState.INACTIVE, ConsentStatus.WITHDRAWN, "revoked");

        private final List<String> dpvTypes;
        private final ConsentState fhirState;
        private final ConsentStatus status;
        private final String wire;

        EventType(List<String> dpvTypes, ConsentState fhirState, ConsentStatus status, String wire) {
            this.dpvTypes = dpvTypes;
            this.fhirState = fhirState;
            this.status = status;
            this.wire = wire;
        }

        /** Where the choice stands after this event, in the operator's own terms. */
        public ConsentStatus status() {
            return status;
        }

        /** The JSON-LD {@code @type}s of the event: DPV consent status concepts (and ours where DPV has none). */
        public List<String> dpvTypes() {
            return dpvTypes;
        }

        public ConsentState fhirState() {
            return fhirState;
        }

        public String wire() {
            return wire;
        }

        /** True when the choice, standing at this event, lets data be released (given or resumed). */
        public boolean validForProcessing() {
            return fhirState == ConsentState.ACTIVE;
        }

        static EventType of(StatusRecord record, boolean first) {
            return switch (record.status()) {
                case ACTIVE -> first ? GIVEN : RESUMED;
                case PAUSED -> PAUSED;
                case WITHDRAWN -> record.changedBy() == StatusRecord.ChangedBy.OPERATOR ? REVOKED : WITHDRAWN;
            };
        }
    }

    /** A consent and its status chain. */
    public static ChoiceRecord of(Consent consent, Programme programme, List<String> sourceNames) {
        if (!consent.programmeId().equals(programme.id())) {
            throw new IllegalArgumentException("the programme is not the consent's");
        }
        List<Event> events = new ArrayList<>();
        boolean first = true;
        for (StatusRecord r : consent.statusRecords()) {
            events.add(new Event(r.id(), r.sequence(), EventType.of(r, first), r.createdAt(), r.changedBy(), r.reason(),
                    new Signed(r.record(), r.logIndex())));
            first = false;
        }
        return new ChoiceRecord(Kind.CONSENT, consent.id(), consent.accountId(), programme, consent.purposes(),
                consent.scope(), consent.accessModes(), sourceNames, consent.validFrom(), consent.validUntil(),
                consent.terms(), consent.proposal(), new Signed(consent.record(), consent.logIndex()), consent.createdAt(), events);
    }

    /** Whether researchers may receive the data as pseudonymised records, not only as statistics. */
    public boolean allowsRecords() {
        return AccessMode.RECORDS.isAllowedBy(accessModes);
    }

    Event latest() {
        return events.get(events.size() - 1);
    }
}
