package org.mydata.operator.optout;

import java.util.List;
import java.util.stream.Collectors;
import org.mydata.operator.consent.ConsentText;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.source.FhirSource;

/**
 * The plain-language text a person is shown before opting out of a programme, in the language they read (the
 * programme's words in it and the operator's fixed sentences, {@link Language#words}). Rendered the same way every
 * time from the same programme and language, so its hash in the opt-out record proves what the person objected to.
 */
public final class OptOutNotice {
    private OptOutNotice() {
    }

    /** The English notice. */
    public static String render(Programme programme, List<FhirSource> sources) {
        return render(programme, Language.EN, sources);
    }

    /** @throws org.mydata.operator.failure.InvalidRequestException when the programme does not offer the language */
    public static String render(Programme registered, Language language, List<FhirSource> sources) {
        Programme programme = registered.wordedIn(language);
        StringBuilder text = new StringBuilder();
        ConsentText.line(text, language, "optout.opening", "programme", programme.name(),
                "organisation", programme.organisation());
        ConsentText.line(text, language, "optout.basis", "basis", basisInWords(programme, language));
        ConsentText.line(text, language, "optout.purposes", "purposes",
                Programme.purposesInWords(programme.purposes(), language));
        ConsentText.line(text, language, "optout.data", "types",
                Programme.kindsInWords(programme.scope().resourceTypes(), language));
        ConsentText.line(text, language, "optout.sources", "sources",
                sources.stream().map(FhirSource::name).collect(Collectors.joining(", ")));
        ConsentText.line(text, language, "optout.terms", "uri", programme.termsUri().toString(),
                "version", programme.termsVersion());
        ConsentText.line(text, language, "optout.closing");
        return text.toString();
    }

    /** The basis as a person reads it, with the law it rests on, in English. */
    static String basisInWords(Programme programme) {
        return basisInWords(programme, Language.EN);
    }

    static String basisInWords(Programme programme, Language language) {
        return language.words("basis." + programme.legalBasis().wire());
    }
}
