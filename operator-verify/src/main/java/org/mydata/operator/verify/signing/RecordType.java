package org.mydata.operator.verify.signing;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of record the operator signs. Each goes out with its own JOSE {@code typ} header
 * (explicit typing, RFC 8725 section 3.11), so a record of one kind can never be passed off as another.
 */
public enum RecordType {
    SERVICE_LINK("slr+jwt"),
    SERVICE_LINK_REMOVAL("slr-removal+jwt"),
    CONSENT("cr+jwt"),
    CONSENT_STATUS("csr+jwt"),
    PERMIT("permit+jwt"),
    REQUEST_DECISION("decision+jwt"),
    PERMIT_REVOCATION("permit-revocation+jwt"),
    CHECKPOINT("checkpoint+jwt"),
    KEY_ROTATION("key-rotation+jwt"),
    ERASURE_REQUEST("erasure-request+jwt"),
    /** A permit holder's word that it erased what a notification asked it to; logged like every record. */
    ERASURE_ACKNOWLEDGEMENT("erasure-ack+jwt"),
    /**
     * A notification to a permit holder's webhook (docs/notifications.md): signed at each delivery attempt and
     * never in the log, whose records it points at by {@code log_index}.
     */
    WEBHOOK_EVENT("webhook-event+jwt"),
    OPT_OUT("opt-out+jwt"),
    /**
     * A statistical answer (docs/statistics.md): the hash of the whole answer as its researcher received it, with
     * the access event it is, logged right after that event.
     */
    STATISTICS_ANSWER("statistics+jwt"),
    /**
     * An amendment of a programme's terms (docs/amendments.md): the new version's number and terms, the hash of the
     * terms it replaces, which way it goes, why, and who made it.
     */
    PROGRAMME_AMENDMENT("programme-amendment+jwt");

    private final String mediaType;

    RecordType(String mediaType) {
        this.mediaType = mediaType;
    }

    /** The JOSE {@code typ} header value. */
    public String mediaType() {
        return mediaType;
    }

    public static Optional<RecordType> fromMediaType(String mediaType) {
        return Arrays.stream(values()).filter(t -> t.mediaType.equals(mediaType)).findFirst();
    }
}
