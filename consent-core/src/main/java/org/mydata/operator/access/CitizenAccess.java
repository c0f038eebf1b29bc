package org.mydata.operator.access;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An access to a person's data as that person sees it in their access log.
 *
 * @param consentId     the consent it relied on; null when the person was included under an opt-out basis
 * @param programmeName the permit's programme
 */
public record CitizenAccess(UUID eventId, UUID permitId, UUID projectId, String projectTitle, String organisation,
                            String purpose, UUID consentId, List<String> resourceTypes, int resourceCount,
                            Instant at, String programmeName) {
}
