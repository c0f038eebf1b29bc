package org.mydata.operator.consent;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.failure.Require;
import org.mydata.operator.programme.DataScope;

/**
 * What a person asks to consent to. Everything but the programme is optional and may only narrow the
 * programme's offer: fewer purposes, fewer data types, fewer sources, an earlier end.
 * {@code shownTextSha256}, when given, must match the consent text the operator renders for it,
 * proving the person saw exactly what they consent to.
 */
public record NewConsent(UUID programmeId, List<String> purposes, DataScope scope, List<UUID> sourceIds,
                         Instant validUntil, String shownTextSha256) {
    public NewConsent {
        Require.reasonableTime("validUntil", validUntil);
    }
}
