package org.mydata.operator.notify;

import java.util.Arrays;
import java.util.Optional;

/** What a notification to a permit holder says happened; its wire name is the event's {@code type}. */
public enum NotificationType {
    /** A person withdrew a consent the permit relied on: the holder is asked to erase what it holds of them. */
    CONSENT_WITHDRAWN("consent.withdrawn", true),
    CONSENT_PAUSED("consent.paused", false),
    /** A person removed a link to a source their consent named: that source's records are no longer released. */
    LINK_REMOVED("link.removed", false),
    PERMIT_REVOKED("permit.revoked", false),
    PERMIT_EXPIRED("permit.expired", false),
    /**
     * A person asked, after withdrawing, that what was released under the consent be erased: sent to the permits
     * that read under it, again with the erasure asked for, so a holder that missed or ignored the withdrawal's
     * event hears it from the person themself.
     */
    ERASURE_REQUESTED("erasure.requested", true),
    /**
     * amend: a person accepted a new version of the programme's terms; their consent was replaced by one on the new
     * version (docs/amendments.md). Nothing is to be erased: the person stays in, on the terms now signed.
     */
    CONSENT_VERSION_CHANGED("consent.version-changed", false);

    private final String wire;
    private final boolean erasureRequested;

    NotificationType(String wire, boolean erasureRequested) {
        this.wire = wire;
        this.erasureRequested = erasureRequested;
    }

    public String wire() {
        return wire;
    }

    /**
     * Whether the event asks the holder to erase the persons' data. A withdrawal does (GDPR Art. 17(1)(b)), and
     * so does the person's own request for erasure.
     */
    public boolean erasureRequested() {
        return erasureRequested;
    }

    static Optional<NotificationType> fromWire(String wire) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(wire)).findFirst();
    }
}
