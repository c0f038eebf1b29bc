package org.mydata.operator.permit;

import java.time.Instant;
import java.util.UUID;
import org.mydata.operator.failure.Require;
import org.mydata.operator.programme.DataScope;

/** What a researcher asks for: one purpose, the data, why, and until when. */
public record NewDataRequest(UUID programmeId, String title, String organisation, String purpose, DataScope scope,
                             String justification, Instant validUntil) {
    public NewDataRequest {
        Require.reasonableTime("validUntil", validUntil);
    }
}
