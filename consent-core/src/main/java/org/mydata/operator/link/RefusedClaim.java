package org.mydata.operator.link;

import java.time.Instant;
import java.util.UUID;

/**
 * Another account tried to link a patient this account's link holds and was refused. Who tried is not part
 * of it: that is another person's account, which the link's owner has no claim to know.
 */
public record RefusedClaim(UUID linkId, UUID sourceId, Instant attemptedAt) {
}
