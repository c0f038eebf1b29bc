package org.mydata.operator.verify.audit;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.signing.RecordType;

/**
 * Everything an auditor needs to judge one consent, as the operator hands it out: the signed checkpoint,
 * the consent's records (consent record, status records in chain order, the service links it relies on
 * and their removals), and the access events that relied on it, each with its log index and its
 * inclusion proof against that checkpoint. Nothing in it is trusted: {@link BundleVerifier} checks all of
 * it against the operator's JWKS. Its JSON form is {@link AuditJson}'s business.
 *
 * <p>A bundle judges either one consent ({@code consentId}) or one person's inclusion in a programme that
 * rests on an opt-out basis ({@code inclusion}): then its records are the person's service links and their
 * removals, their opt-out records of the programme in chain order, and the programme's permits the events
 * name; its access events are those that included the person under those permits.
 *
 * @param consentId  the consent judged; null for an inclusion bundle
 * @param inclusion  the person and programme judged; null for a consent bundle
 * @param checkpoint the checkpoint as the bundle states it; its JWS is what gets verified, and the stated
 *                   size and root must agree with what the JWS signs
 */
public record AuditBundle(String consentId, Inclusion inclusion, Checkpoint checkpoint, List<Item> records,
                          List<AccessEventItem> accessEvents) {
    public AuditBundle {
        if ((consentId == null) == (inclusion == null)) {
            throw new IllegalArgumentException("a bundle judges one consent or one inclusion");
        }
        Objects.requireNonNull(checkpoint, "checkpoint");
        records = List.copyOf(records);
        accessEvents = List.copyOf(accessEvents);
    }

    /** A consent's bundle. */
    public AuditBundle(String consentId, Checkpoint checkpoint, List<Item> records,
                       List<AccessEventItem> accessEvents) {
        this(consentId, null, checkpoint, records, accessEvents);
    }

    /** A person and a programme resting on an opt-out basis: whose inclusion an inclusion bundle judges. */
    public record Inclusion(String accountId, String programmeId) {
        public Inclusion {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(programmeId, "programmeId");
        }
    }

    /** What a signed record in the bundle claims to be; the JWS {@code typ} must agree. */
    public enum Kind {
        CR("cr", RecordType.CONSENT),
        CSR("csr", RecordType.CONSENT_STATUS),
        SLR("slr", RecordType.SERVICE_LINK),
        SLR_REMOVAL("slr-removal", RecordType.SERVICE_LINK_REMOVAL),
        PERMIT("permit", RecordType.PERMIT),
        PERMIT_REVOCATION("permit-revocation", RecordType.PERMIT_REVOCATION),
        OPT_OUT("opt-out", RecordType.OPT_OUT);

        private final String wire;
        private final RecordType type;

        Kind(String wire, RecordType type) {
            this.wire = wire;
            this.type = type;
        }

        public String wire() {
            return wire;
        }

        public RecordType recordType() {
            return type;
        }

        public static Optional<Kind> fromWire(String wire) {
            return Arrays.stream(values()).filter(k -> k.wire.equals(wire)).findFirst();
        }
    }

    /**
     * One signed record.
     *
     * @param logIndex  its place in the log; null for a record that never entered the log
     * @param auditPath the inclusion proof against the bundle's checkpoint; null when the checkpoint does
     *                  not cover the record yet (or it has no log index), which the verifier reports
     */
    public record Item(Kind kind, Long logIndex, String jws, List<Hash> auditPath) {
        public Item {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(jws, "jws");
            auditPath = auditPath == null ? null : List.copyOf(auditPath);
        }
    }

    /**
     * One access event: the exact bytes of its log entry (RFC 8785 canonical JSON).
     *
     * @param entry    the entry's bytes; null when they were erased for an account's erasure, in which case
     *                 leafHash carries what remains of it in the tree
     * @param leafHash given only for an erased entry; otherwise the verifier hashes the bytes itself
     */
    public record AccessEventItem(long logIndex, byte[] entry, Hash leafHash, List<Hash> auditPath,
                                  Withheld withheld) {
        public AccessEventItem {
            if (entry == null && leafHash == null) {
                throw new IllegalArgumentException("an access event needs its entry or, when erased, its leaf hash");
            }
            if (withheld != null && (entry != null || leafHash == null)) {
                throw new IllegalArgumentException("a withheld access event has its leaf hash, not its entry");
            }
            entry = entry == null ? null : entry.clone();
            auditPath = auditPath == null ? null : List.copyOf(auditPath);
        }

        public AccessEventItem(long logIndex, byte[] entry, Hash leafHash, List<Hash> auditPath) {
            this(logIndex, entry, leafHash, auditPath, null);
        }

        @Override
        public byte[] entry() {
            return entry == null ? null : entry.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof AccessEventItem a && a.logIndex == logIndex && Arrays.equals(a.entry, entry)
                    && Objects.equals(a.leafHash, leafHash) && Objects.equals(a.auditPath, auditPath)
                    && Objects.equals(a.withheld, withheld);
        }

        @Override
        public int hashCode() {
            return Objects.hash(logIndex, Arrays.hashCode(entry), leafHash, auditPath, withheld);
        }

        @Override
        public String toString() {
            return "AccessEventItem[logIndex=" + logIndex + ", " + (withheld != null ? "withheld"
                    : entry == null ? "erased" : entry.length + " bytes") + "]";
        }
    }

    /**
     * What a person's own bundle says of an access event whose entry also names other persons, in place of the
     * entry: the event and the person's own rows, as the operator states them. The entry's bytes would show the
     * others' account ids, consent ids and counts, so they are withheld; the leaf hash and its inclusion proof
     * show that the entry is in the log, and an auditor's bundle (or the full-log audit) checks what it says
     * (docs/auditing.md, Access events in a person's own bundle).
     */
    public record Withheld(UUID eventId, UUID permitId, String interaction, List<String> resourceTypes,
                           Instant at, List<PersonAccess> own) {
        public Withheld {
            Objects.requireNonNull(eventId, "eventId");
            resourceTypes = List.copyOf(resourceTypes);
            own = List.copyOf(own);
        }
    }
}
