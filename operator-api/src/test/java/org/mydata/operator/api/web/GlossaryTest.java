package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every text a person reads or signs uses the glossary's one word per concept ({@code glossary.properties}):
 * none of the synonyms it rules out appears in the message bundles of the pages or in the signed texts, in
 * any of the three languages; and the glossary names a word for every concept in every language.
 */
class GlossaryTest {
    private static final List<String> LANGUAGES = List.of("en", "fi", "sv");
    private static final Properties GLOSSARY = load("glossary.properties");

    @Test
    void theGlossaryNamesOneWordForEveryConceptInEveryLanguage() {
        TreeSet<String> concepts = new TreeSet<>();
        GLOSSARY.stringPropertyNames().forEach(key -> concepts.add(key.substring(0, key.indexOf('.'))));
        assertThat(concepts).contains("steward", "receipt", "statusReceipt", "donate", "optOut", "withdraw", "erase",
                "permit", "project", "statistics", "pseudonymised");
        for (String concept : concepts) {
            for (String language : LANGUAGES) {
                assertThat(GLOSSARY.getProperty(concept + "." + language)).as(concept + "." + language).isNotBlank();
            }
        }
    }

    @Test
    void noTextUsesAWordTheGlossaryRulesOut() {
        List<String> found = new ArrayList<>();
        for (String language : LANGUAGES) {
            String suffix = language.equals("en") ? "" : "_" + language;
            Properties pages = load("messages" + suffix + ".properties");
            Properties signed = load("org/mydata/operator/programme/signed_texts" + suffix + ".properties");
            for (String key : GLOSSARY.stringPropertyNames()) {
                if (!key.endsWith("." + language + ".avoid")) {
                    continue;
                }
                Pattern avoid = Pattern.compile("(?<![\\p{L}])(?:" + GLOSSARY.getProperty(key) + ")",
                        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
                String concept = key.substring(0, key.indexOf('.'));
                String word = GLOSSARY.getProperty(concept + "." + language);
                check(found, "messages" + suffix, pages, avoid, word);
                check(found, "signed_texts" + suffix, signed, avoid, word);
            }
        }
        assertThat(found).as("texts with a word the glossary rules out (file key: found → the glossary's word)")
                .isEmpty();
    }

    private static void check(List<String> found, String file, Properties texts, Pattern avoid, String word) {
        for (String key : new TreeSet<>(texts.stringPropertyNames())) {
            var m = avoid.matcher(texts.getProperty(key));
            if (m.find()) {
                found.add(file + " " + key + ": " + texts.getProperty(key).substring(m.start(),
                        Math.min(texts.getProperty(key).length(), m.end() + 12)) + "… → " + word);
            }
        }
    }

    private static Properties load(String name) {
        return MessageBundlesTest.bundle(name);
    }
}
