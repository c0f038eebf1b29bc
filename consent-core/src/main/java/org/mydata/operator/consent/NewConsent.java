package org.mydata.operator.consent;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.failure.Require;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Language;

/**
 * What a person asks to consent to. Everything but the programme is optional and may only narrow the
 * programme's offer: fewer purposes, fewer data types, fewer sources, an earlier end.
 * {@code shownTextSha256}, when given, must match the consent text the operator renders for it,
 * proving the person saw exactly what they consent to.
 *
 * @param language the language the person reads the text in (BCP 47: {@code en}, {@code fi}, {@code sv});
 *                 English when null. The programme must offer it.
 */
public record NewConsent(UUID programmeId, List<String> purposes, DataScope scope, List<UUID> sourceIds,
                         Instant validUntil, String shownTextSha256, String language) {
    public NewConsent {
        Require.reasonableTime("validUntil", validUntil);
        Language.requested(language);
    }

    /** A consent read in English. */
    public NewConsent(UUID programmeId, List<String> purposes, DataScope scope, List<UUID> sourceIds,
                      Instant validUntil, String shownTextSha256) {
        this(programmeId, purposes, scope, sourceIds, validUntil, shownTextSha256, null);
    }

    /** The language the text is rendered in. */
    public Language textLanguage() {
        return Language.requested(language);
    }
}
