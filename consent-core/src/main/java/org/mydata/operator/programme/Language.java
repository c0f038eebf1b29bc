package org.mydata.operator.programme;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.Optional;
import java.util.ResourceBundle;
import org.mydata.operator.failure.InvalidRequestException;

/**
 * A language a person reads and signs in, as its BCP 47 tag. The fixed sentences of every signed text (the
 * consent text, the objection notice, the words for purposes and promises) live in one resource bundle per
 * language, {@code signed_texts*.properties} beside this class: the one home the core reads without Spring.
 */
public enum Language {
    EN("en"), FI("fi"), SV("sv");

    private static final String BUNDLE = "org.mydata.operator.programme.signed_texts";
    private final String tag;

    Language(String tag) {
        this.tag = tag;
    }

    /** The BCP 47 tag, e.g. {@code fi}. */
    public String tag() {
        return tag;
    }

    public Locale locale() {
        return Locale.forLanguageTag(tag);
    }

    /** The language of a tag ({@code fi}, {@code fi-FI}, {@code FI}); empty for one the operator does not write. */
    public static Optional<Language> fromTag(String tag) {
        if (tag == null || tag.isBlank()) {
            return Optional.empty();
        }
        String language = Locale.forLanguageTag(tag.strip().replace('_', '-')).getLanguage();
        return Arrays.stream(values()).filter(l -> l.tag.equals(language)).findFirst();
    }

    /**
     * The language a request asks for in its {@code language} field: English when it names none, refused when it
     * names one the operator does not write.
     */
    public static Language requested(String tag) {
        if (tag == null) {
            return EN;
        }
        return fromTag(tag).orElseThrow(() -> new InvalidRequestException("language", "'" + tag
                + "' is not a language the operator writes its texts in (en, fi, sv)"));
    }

    /**
     * A fixed sentence of the signed texts in this language, with its {@code {name}} places filled from
     * {@code values}. Only this language's file and the base (English) one are read, never the machine's locale.
     */
    public String words(String key, Map<String, String> values) {
        String text = bundle().getString(key);
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace("{" + value.getKey() + "}", value.getValue());
        }
        return text;
    }

    public String words(String key) {
        return words(key, Map.of());
    }

    /** A sentence this language may lack (the base file may not have it either): empty then. */
    Optional<String> optionalWords(String key) {
        try {
            return Optional.of(bundle().getString(key));
        } catch (MissingResourceException absent) {
            return Optional.empty();
        }
    }

    private ResourceBundle bundle() {
        return ResourceBundle.getBundle(BUNDLE, locale(),
                ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES));
    }
}
