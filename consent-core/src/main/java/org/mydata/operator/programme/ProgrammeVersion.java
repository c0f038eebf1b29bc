package org.mydata.operator.programme;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One version of a programme's terms, as the catalogue lists it. Version 1 is the programme as registered
 * ({@code direction} null, no record); each later one was made by a signed amendment record in the log.
 *
 * @param direction which way the amendment went; null for version 1
 * @param record    the amendment's JWS; null for version 1
 * @param logIndex  the amendment's place in the log; null for version 1
 */
public record ProgrammeVersion(UUID programmeId, int version, ProgrammeTerms terms, String termsSha256,
                               Amendments.Direction direction, List<Amendments.Change> changes, String reason,
                               String amendedBy, String record, Long logIndex, Instant createdAt) {
    public ProgrammeVersion {
        Objects.requireNonNull(programmeId, "programmeId");
        Objects.requireNonNull(terms, "terms");
        changes = changes == null ? List.of() : List.copyOf(changes);
    }

    public boolean isAmendment() {
        return version > 1;
    }

    /**
     * permitver: whether this version's amendment widened what a release does not intersect: a permit issued under
     * it or later reaches no consent on an earlier version ({@code verify.release.ProgrammeVersions}).
     */
    public boolean widensBeyondRelease() {
        return Amendments.widensBeyondRelease(changes);
    }
}
