package org.mydata.operator.consent;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.Promise;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.release.AccessMode;
import org.mydata.operator.release.ConsentModes;
import org.mydata.operator.source.FhirSource;

/**
 * The plain-language text a person is shown before consenting. It is rendered the same way every time
 * from the same choices, so its hash in the consent record proves what the person agreed to.
 */
public final class ConsentText {
    private ConsentText() {
    }

    public static String render(Programme programme, List<Purpose> purposes, DataScope scope, List<FhirSource> sources,
                                Instant validUntil, List<AccessMode> accessModes) {
        StringBuilder text = new StringBuilder();
        text.append("I consent to share my health data with the data-donor programme \"").append(programme.name())
                .append("\" run by ").append(programme.organisation()).append(".\n");
        text.append("Purposes: ").append(purposes.stream().map(p -> p.plainWords() + " (" + p.code() + ")")
                .collect(Collectors.joining(", "))).append(".\n");
        text.append("Data: ").append(String.join(", ", scope.resourceTypes()));
        if (scope.dataFrom() != null || scope.dataUntil() != null) {
            text.append(", recorded")
                    .append(scope.dataFrom() == null ? "" : " from " + scope.dataFrom())
                    .append(scope.dataUntil() == null ? "" : " until " + scope.dataUntil());
        }
        text.append(".\n");
        text.append(accessModes(accessModes)).append("\n");
        text.append("From: ").append(sources.stream().map(FhirSource::name).collect(Collectors.joining(", "))).append(".\n");
        text.append("Until: ").append(validUntil == null ? "I withdraw this consent" : validUntil.toString()).append(".\n");
        if (!programme.promises().isEmpty()) {
            // Only programmes that declare promises get this line, so the text of every earlier consent stays as signed.
            text.append("The programme promises: ").append(programme.promises().stream().map(Promise::plainWords)
                    .collect(Collectors.joining("; "))).append(".\n");
        }
        text.append("Terms: ").append(programme.termsUri()).append(" version ").append(programme.termsVersion()).append(".\n");
        text.append("Researchers receive my data only under a permit the programme's stewards approve, with my name "
                + "and identifiers removed. I can pause or withdraw this consent at any time; withdrawal is final.\n");
        return text.toString();
    }

    /**
     * The one sentence that says how researchers may receive the data: statistics only, or statistics and
     * pseudonymised records (never called anonymous: a pseudonymised record is still personal data).
     */
    static String accessModes(List<AccessMode> modes) {
        return AccessMode.RECORDS.isAllowedBy(ConsentModes.normalised(modes))
                ? "Researchers may receive statistics about groups of people and, under a records permit, my data as "
                + "pseudonymised records (my name and identifiers replaced by codes; such records are not anonymous)."
                : "Researchers may receive only statistics: counts and other answers about groups of people, never "
                + "records about me.";
    }
}
