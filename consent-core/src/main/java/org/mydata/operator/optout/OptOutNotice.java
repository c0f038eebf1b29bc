package org.mydata.operator.optout;

import java.util.List;
import java.util.stream.Collectors;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.source.FhirSource;

/**
 * The plain-language text a person is shown before opting out of a programme. Rendered the same way every time
 * from the same programme, so its hash in the opt-out record proves what the person objected to.
 */
public final class OptOutNotice {
    private OptOutNotice() {
    }

    public static String render(Programme programme, List<FhirSource> sources) {
        StringBuilder text = new StringBuilder();
        text.append("I object to the use of my health data by the programme \"").append(programme.name())
                .append("\" run by ").append(programme.organisation()).append(".\n");
        text.append("Legal basis: ").append(basisInWords(programme)).append(".\n");
        text.append("Purposes: ").append(programme.purposes().stream().map(p -> p.plainWords() + " (" + p.code() + ")")
                .collect(Collectors.joining(", "))).append(".\n");
        text.append("Data: ").append(String.join(", ", programme.scope().resourceTypes())).append(".\n");
        text.append("From: ").append(sources.stream().map(FhirSource::name).collect(Collectors.joining(", ")))
                .append(".\n");
        text.append("Terms: ").append(programme.termsUri()).append(" version ").append(programme.termsVersion())
                .append(".\n");
        text.append("From now on no permit of this programme receives my data. Data released before stays with "
                + "those who received it. I can undo this opt-out at any time; then my data may be used again.\n");
        return text.toString();
    }

    /** The basis as a person reads it, with the law it rests on. */
    public static String basisInWords(Programme programme) {
        return switch (programme.legalBasis()) {
            case CONSENT -> "consent (GDPR Art. 6(1)(a) and 9(2)(a))";
            case EHDS_SECONDARY_USE -> "secondary use under the European Health Data Space (Regulation (EU) "
                    + "2025/327), with the right to opt out (Art. 71)";
            case PUBLIC_INTEREST -> "scientific research in the public interest (GDPR Art. 6(1)(e) and 9(2)(j)), "
                    + "with the right to object (Art. 21)";
        };
    }
}
