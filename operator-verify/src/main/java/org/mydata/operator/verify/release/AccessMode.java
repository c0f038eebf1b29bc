package org.mydata.operator.verify.release;

import java.util.Arrays;
import java.util.Collection;
import java.util.Optional;

/**
 * How a permit's researcher may receive a programme's data (DESIGN.md section 9). {@link #STATISTICS}: protected
 * aggregate answers only; {@link #RECORDS}: pseudonymised record-level FHIR. A person who allows records allows
 * statistics too: anyone holding a person's records can compute any aggregate of them, so an aggregate under
 * disclosure control reveals strictly less.
 */
public enum AccessMode {
    STATISTICS("statistics"),
    RECORDS("records");

    /** The access event's {@code interaction} of a statistical answer (record reads are search, read, export...). */
    public static final String STATISTICS_INTERACTION = "statistics";

    private final String wireName;

    AccessMode(String wireName) {
        this.wireName = wireName;
    }

    /** The name in records, requests and settings. */
    public String wireName() {
        return wireName;
    }

    public static Optional<AccessMode> fromWireName(String name) {
        return Arrays.stream(values()).filter(m -> m.wireName.equals(name)).findFirst();
    }

    /** Whether a person who allowed {@code allowed} allows this mode. */
    public boolean isAllowedBy(Collection<AccessMode> allowed) {
        return allowed.contains(this) || (this == STATISTICS && allowed.contains(RECORDS));
    }
}
