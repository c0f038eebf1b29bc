package org.mydata.operator.request;

import java.time.Instant;
import java.util.UUID;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;

/**
 * A research project's request for donated data, and the stewards' decision on it.
 *
 * @param accessMode the mode asked for, and of the permit an approval issues
 */
public record DataRequest(UUID id, UUID programmeId, String requester, String organisation, String title,
                          Purpose purpose, DataScope scope, String justification, Instant validUntil,
                          RequestStatus status, String decidedBy, Instant decidedAt, String reason,
                          String decisionRecord, UUID permitId, Instant createdAt, AccessMode accessMode) {
}
