package org.mydata.operator.link;

import java.time.Instant;
import java.util.UUID;

/**
 * A person's link to a source: the signed service link record (SLR) that says which Patient at the
 * source is this account's, and, once the person removes it, the signed removal record.
 */
public record ServiceLink(UUID id, UUID accountId, UUID sourceId, String surrogateId, String record, Instant createdAt,
                          Instant removedAt, String removalRecord, Long logIndex, Long removalLogIndex) {

    public boolean isLive() {
        return removedAt == null;
    }
}
