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
 *
 * @param accessModes the modes the person allows ({@code statistics}, {@code records}; records imply statistics),
 *                    each one the programme offers; when null, what the programme offers, as for purposes and
 *                    scope (the text the person is shown and signs states the modes either way). The citizen pages
 *                    never leave it null: there the person chooses, with nothing pre-selected.
 */
public record NewConsent(UUID programmeId, List<String> purposes, DataScope scope, List<UUID> sourceIds,
                         Instant validUntil, String shownTextSha256, List<String> accessModes) {
    public NewConsent {
        Require.reasonableTime("validUntil", validUntil);
    }

    /** A request that leaves the access modes to the programme's offer. */
    public NewConsent(UUID programmeId, List<String> purposes, DataScope scope, List<UUID> sourceIds,
                      Instant validUntil, String shownTextSha256) {
        this(programmeId, purposes, scope, sourceIds, validUntil, shownTextSha256, null);
    }
}
