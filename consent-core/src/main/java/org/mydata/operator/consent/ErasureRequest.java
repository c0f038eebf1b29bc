package org.mydata.operator.consent;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A person's signed request, after withdrawing a consent, that the data already released under it be erased.
 *
 * @param permitIds the permits that received data under the consent, by the access log when the person asked:
 *                  the recipients a notification of the request goes to
 * @param record    the signed erasure request record ({@code erasure-request+jwt}), the person's receipt
 */
public record ErasureRequest(UUID id, UUID consentId, UUID accountId, UUID programmeId, List<UUID> permitIds,
                             String record, long logIndex, Instant createdAt) {
    public ErasureRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(consentId, "consentId");
        permitIds = List.copyOf(permitIds);
    }
}
