package org.mydata.operator.access;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An access to a person's data as that person sees it in their access log.
 *
 * @param consentId     the consent it relied on; null when the person was included under an opt-out basis
 * @param programmeName the permit's programme
 * @param interaction   what the access was: a record read (search, read, export...) or a statistical answer
 *                      ({@link org.mydata.operator.verify.release.AccessMode#STATISTICS_INTERACTION}), in which the person
 *                      was counted and nothing of theirs was released
 */
public record CitizenAccess(UUID eventId, UUID permitId, UUID projectId, String projectTitle, String organisation,
                            String purpose, UUID consentId, List<String> resourceTypes, int resourceCount,
                            Instant at, String programmeName, String interaction) {

    /** Whether the person was counted in a statistical answer rather than their records read. */
    public boolean isStatistic() {
        return org.mydata.operator.verify.release.AccessMode.STATISTICS_INTERACTION.equals(interaction);
    }
}
