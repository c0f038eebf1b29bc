package org.mydata.operator.access;

import java.util.UUID;

/** How many resources one access released of one person, under which of their consents. */
public record PersonAccess(UUID accountId, UUID consentId, int resourceCount) {
}
