package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.notify.NotificationType;
import org.mydata.operator.programme.Purpose;

/**
 * The citizen pages' three languages are complete: every key of the English bundle is in the Finnish and the
 * Swedish one, translated (the same text as in English only where that is the right word, listed below),
 * with the same arguments; every purpose and every brokered type has its words; and every key a template
 * names exists. A page therefore never falls back to English while it declares another language.
 */
class MessageBundlesTest {
    private static final List<String> TRANSLATIONS = List.of("fi", "sv");

    /** Texts that are rightly the same as in English: a word the languages share, a bare version number. */
    private static final Map<String, Set<String>> SAME_AS_ENGLISH = Map.of(
            "fi", Set.of(),
            "sv", Set.of("consent.status", "consent.history.status", "access.organisation",
                    "programmes.terms.value", "receipt.terms.value", "permits.organisation", "summary.status"));

    private static final Pattern ARGUMENT = Pattern.compile("\\{(\\d+)");

    @Test
    void everyKeyIsTranslatedIntoFinnishAndSwedish() {
        Properties english = bundle("messages.properties");
        for (String language : TRANSLATIONS) {
            Properties translated = bundle("messages_" + language + ".properties");
            List<String> missing = new ArrayList<>();
            List<String> untranslated = new ArrayList<>();
            List<String> wrongArguments = new ArrayList<>();
            for (String key : new TreeSet<>(english.stringPropertyNames())) {
                String value = translated.getProperty(key);
                if (value == null || value.isBlank()) {
                    missing.add(key);
                } else if (value.equals(english.getProperty(key)) && hasWords(value)
                        && !SAME_AS_ENGLISH.get(language).contains(key)) {
                    untranslated.add(key);
                } else if (!arguments(value).equals(arguments(english.getProperty(key)))) {
                    wrongArguments.add(key);
                }
            }
            assertThat(missing).as("keys missing from messages_%s.properties", language).isEmpty();
            assertThat(untranslated).as("keys of messages_%s.properties still in English", language).isEmpty();
            assertThat(wrongArguments).as("keys of messages_%s.properties with other arguments than English",
                    language).isEmpty();
        }
    }

    @Test
    void everyPurposeBrokeredTypeAndKindOfNoticeHasWordsInEveryLanguage() {
        for (String file : List.of("messages.properties", "messages_fi.properties", "messages_sv.properties")) {
            Properties bundle = bundle(file);
            for (Purpose purpose : Purpose.values()) {
                assertThat(bundle.getProperty("purpose." + purpose.code())).as(file + ": " + purpose).isNotBlank();
            }
            for (String type : BrokeredTypes.names()) {
                assertThat(bundle.getProperty("kind." + type)).as(file + ": " + type).isNotBlank();
            }
            // The consent page names every kind of notice a project was sent: none may show as a raw key.
            for (NotificationType type : NotificationType.values()) {
                assertThat(bundle.getProperty("notify.type." + type.wire())).as(file + ": " + type).isNotBlank();
            }
        }
    }



    /** Dates and times on a 24-hour clock in every language: no AM/PM, no 12-hour hour. */
    @Test
    void dateAndTimePatternsAreValidAndUseA24HourClock() {
        for (String file : List.of("messages.properties", "messages_fi.properties", "messages_sv.properties")) {
            Properties bundle = bundle(file);
            for (String key : List.of("format.date", "format.dateTime")) {
                String pattern = bundle.getProperty(key);
                DateTimeFormatter.ofPattern(pattern);
                String unquoted = pattern.replaceAll("'[^']*'", "");
                assertThat(unquoted).as(file + " " + key).doesNotContain("a").doesNotContain("h").doesNotContain("K");
            }
            assertThat(bundle.getProperty("format.dateTime").replaceAll("'[^']*'", "")).as(file).contains("H");
        }
    }

    @Test
    void everyKeyATemplateNamesExists() throws IOException {
        Properties english = bundle("messages.properties");
        Pattern named = Pattern.compile("#\\{([A-Za-z][A-Za-z0-9.]*)|#messages\\.msg(?:OrNull|WithParams)?\\('([A-Za-z0-9.]+)'\\)");
        Path templates = Path.of("src/main/resources/templates");
        List<String> unknown = new ArrayList<>();
        try (Stream<Path> files = Files.walk(templates)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".html")).toList()) {
                Matcher m = named.matcher(Files.readString(file));
                while (m.find()) {
                    String key = m.group(1) != null ? m.group(1) : m.group(2);
                    if (!english.containsKey(key)) {
                        unknown.add(templates.relativize(file) + ": " + key);
                    }
                }
            }
        }
        assertThat(unknown).isEmpty();
    }

    /** Whether a text has words of its own, beside its arguments ("{0}, {1}" has none to translate). */
    private static boolean hasWords(String text) {
        return text.replaceAll("\\{[^}]*}", "").chars().anyMatch(Character::isLetter);
    }

    private static List<String> arguments(String text) {
        List<String> found = new ArrayList<>();
        Matcher m = ARGUMENT.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found.stream().distinct().sorted().toList();
    }

    static Properties bundle(String name) {
        Properties properties = new Properties();
        try (InputStream in = MessageBundlesTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
