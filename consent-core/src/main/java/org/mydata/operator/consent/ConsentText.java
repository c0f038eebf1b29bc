package org.mydata.operator.consent;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.source.FhirSource;

/**
 * The plain-language text a person is shown before consenting, in the language they read: the programme's own
 * words in that language and the operator's fixed sentences ({@link Language#words}). It is rendered the same way
 * every time from the same choices and language, so its hash in the consent record proves what the person agreed
 * to, and the record's {@code terms.language} says in which language they read it.
 */
public final class ConsentText {
    private ConsentText() {
    }

    /** The English text. */
    static String render(Programme programme, List<Purpose> purposes, DataScope scope, List<FhirSource> sources,
                                Instant validUntil, List<AccessMode> accessModes) {
        return render(programme, Language.EN, purposes, scope, sources, validUntil, accessModes);
    }

    /** @throws org.mydata.operator.failure.InvalidRequestException when the programme does not offer the language */
    static String render(Programme registered, Language language, List<Purpose> purposes, DataScope scope,
                                List<FhirSource> sources, Instant validUntil, List<AccessMode> accessModes) {
        Programme programme = registered.wordedIn(language);
        StringBuilder text = new StringBuilder();
        line(text, language, "consent.opening", "programme", programme.name(), "organisation", programme.organisation());
        line(text, language, "consent.purposes", "purposes", Programme.purposesInWords(purposes, language));
        text.append(language.words("consent.data", Map.of("types",
                Programme.kindsInWords(scope.resourceTypes(), language))));
        if (scope.dataFrom() != null && scope.dataUntil() != null) {
            text.append(language.words("consent.recorded.between", Map.of("from", scope.dataFrom().toString(),
                    "until", scope.dataUntil().toString())));
        } else if (scope.dataFrom() != null) {
            text.append(language.words("consent.recorded.from", Map.of("from", scope.dataFrom().toString())));
        } else if (scope.dataUntil() != null) {
            text.append(language.words("consent.recorded.until", Map.of("until", scope.dataUntil().toString())));
        }
        text.append(".\n");
        line(text, language, accessModesKey(accessModes));
        line(text, language, "consent.sources", "sources",
                sources.stream().map(FhirSource::name).collect(Collectors.joining(", ")));
        if (validUntil == null) {
            line(text, language, "consent.untilWithdrawn");
        } else {
            line(text, language, "consent.untilDate", "until", validUntil.toString());
        }
        if (!programme.promises().isEmpty()) {
            // Only programmes that declare promises get this line, so the text of every earlier consent stays as signed.
            line(text, language, "consent.promises", "promises", programme.promises().stream()
                    .map(p -> p.plainWords(language)).collect(Collectors.joining("; ")));
        }
        line(text, language, "consent.terms", "uri", programme.termsUri().toString(),
                "version", programme.termsVersion());
        line(text, language, "consent.closing");
        return text.toString();
    }

    /**
     * The one sentence that says how researchers may receive the data: statistics only, or statistics and
     * pseudonymised records (a pseudonymised record is still personal data).
     */
    static String accessModesKey(List<AccessMode> modes) {
        return AccessMode.RECORDS.isAllowedBy(ConsentModes.normalised(modes))
                ? "consent.modes.records" : "consent.modes.statistics";
    }

    /** A sentence of the signed texts with its values, on a line of its own. */
    public static void line(StringBuilder text, Language language, String key, String... namesAndValues) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            values.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        text.append(language.words(key, values)).append('\n');
    }
}
