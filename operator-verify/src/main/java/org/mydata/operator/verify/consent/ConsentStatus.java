package org.mydata.operator.verify.consent;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a consent stands. The person (not only the operator) can pause and resume; withdrawal is
 * final, as the MyData specification's Withdrawn is.
 */
public enum ConsentStatus {
    ACTIVE,
    PAUSED,
    WITHDRAWN;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ConsentStatus> fromWire(String value) {
        return Arrays.stream(values()).filter(s -> s.wire().equals(value)).findFirst();
    }

    /** Whether a status record may move a consent from this status to {@code next}. */
    public boolean mayBecome(ConsentStatus next) {
        return this != WITHDRAWN && this != next;
    }
}
