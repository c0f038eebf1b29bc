package org.mydata.operator.request;

import java.time.Instant;
import java.util.UUID;
import org.mydata.operator.failure.Require;
import org.mydata.operator.programme.DataScope;

/**
 * What a researcher asks for: one purpose, the data, why, until when, and in which access mode.
 *
 * @param accessMode {@code statistics} or {@code records}, one the programme offers; {@code records} when null,
 *                   which is what every request asked for before access modes, so existing clients keep working
 */
public record NewDataRequest(UUID programmeId, String title, String organisation, String purpose, DataScope scope,
                             String justification, Instant validUntil, String accessMode) {
    public NewDataRequest {
        Require.reasonableTime("validUntil", validUntil);
    }

    /** A request for records. */
    public NewDataRequest(UUID programmeId, String title, String organisation, String purpose, DataScope scope,
                          String justification, Instant validUntil) {
        this(programmeId, title, organisation, purpose, scope, justification, validUntil, null);
    }
}
