package org.mydata.operator.api.leakscan;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a source holds about its persons, read once from its NDJSON: every string that would name a person if
 * it left (the needles the scan looks for), each person's birth date, and each person's record-keeping stamps
 * (date elements whose value is the same on all of the person's resources of a type).
 */
public final class SourcePopulation {
    /** The types the gateway brokers: what a permit over "everything" releases. */
    public static final List<String> BROKERED = List.of("Patient", "Observation", "Condition", "MedicationRequest",
            "Encounter", "Procedure", "Immunization", "DiagnosticReport", "AllergyIntolerance");
    /** The identifier a person signs in with and that linking matches at the source: Synthea's medical record number. */
    public static final String MRN_SYSTEM = "http://hospital.smarthealthit.org";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern DATE = Pattern.compile("\\d{4}(-\\d{2}(-\\d{2}(T.*)?)?)?");
    private static final Pattern LETTERS = Pattern.compile("\\p{L}+");
    /**
     * Name parts shorter than this are not looked for: initials and two-letter parts ("Lu", "Jo") are whole
     * words of ordinary text too often to tell anything; Synthea's prefixes and suffixes (Mr., Mrs., Ms., Dr.,
     * MD, PhD, JD) are titles, not names, and are skipped altogether.
     */
    static final int MIN_NAME_PART = 3;
    /** Identifier values shorter than this (e.g. a "1") are not looked for, for the same reason. */
    static final int MIN_IDENTIFIER = 5;

    /** The kinds of identifying text the scan looks for, in report order. */
    public enum Kind {
        NAME_PART("name parts"),
        ADDRESS_LINE("address lines"),
        CITY("cities"),
        POSTAL_CODE("postal codes"),
        TELECOM("telecom values"),
        IDENTIFIER("identifier values"),
        LOGICAL_ID("source logical ids"),
        PERSON_TEXT("other text naming the person (mother's maiden name, birthplace)");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** One person of the source: their Patient id there, birth date, and record-keeping stamps. */
    public static final class Person {
        public final String patientId;
        public final String birthDate;
        /** type -> element path -> the one value all of the person's resources of that type carry (null: not constant). */
        final Map<String, Map<String, String>> constantDates = new HashMap<>();
        final Map<String, Map<String, Integer>> dateCarriers = new HashMap<>();
        final Map<String, Integer> counts = new TreeMap<>();

        Person(String patientId, String birthDate) {
            this.patientId = patientId;
            this.birthDate = birthDate;
        }

        public String linkIdentifier() {
            return MRN_SYSTEM + "|" + patientId;
        }

        /** Brokered resources of the person at the source, by type. */
        public Map<String, Integer> counts() {
            return counts;
        }

        /**
         * type -> element paths whose source value is a date, the same on every one of the person's resources of
         * that type that has the element, and carried by at least two of them: a stamp an outsider can know
         * (the day a hospital loaded its data), which released shifted gives the person's offset away.
         */
        public Map<String, Set<String>> constantDatePaths() {
            Map<String, Set<String>> result = new TreeMap<>();
            constantDates.forEach((type, paths) -> paths.forEach((path, value) -> {
                if (value != null && dateCarriers.get(type).get(path) >= 2) {
                    result.computeIfAbsent(type, t -> new java.util.TreeSet<>()).add(path);
                }
            }));
            return result;
        }
    }

    public final String name;
    public final Map<String, Person> persons = new LinkedHashMap<>();
    /** Lower-cased needle -> its kind. */
    final Map<String, Kind> needles = new HashMap<>();
    /** Lower-cased display strings of the source's codings: terminology, not free text. */
    final Set<String> terminology = new HashSet<>();
    final Map<Kind, Integer> needleCounts = new LinkedHashMap<>();
    int skippedShortNameParts;
    int resources;
    int maxNeedleTokens = 1;

    private SourcePopulation(String name) {
        this.name = name;
    }

    /**
     * Reads a gzipped NDJSON dataset, handing each line to {@code lines} as well (so a caller can build its
     * source from the same single pass).
     */
    public static SourcePopulation read(String name, InputStream gzipped, Consumer<String> lines) {
        SourcePopulation population = new SourcePopulation(name);
        List<JsonNode> clinical = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(gzipped),
                StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                lines.accept(line);
                JsonNode resource = JSON.readTree(line);
                population.resources++;
                population.collect(resource);
                String type = resource.get("resourceType").asString();
                if (type.equals("Patient")) {
                    population.person(resource);
                } else if (BROKERED.contains(type)) {
                    clinical.add(population.compact(resource));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Patients come first in these datasets, but nothing needs to rely on it.
        for (JsonNode resource : clinical) {
            population.stamps(resource);
        }
        population.needles.values().forEach(k -> population.needleCounts.merge(k, 1, Integer::sum));
        return population;
    }

    /** Only what the stamps need of a clinical resource: its type, subject and date elements. */
    private JsonNode compact(JsonNode resource) {
        tools.jackson.databind.node.ObjectNode out = JSON.createObjectNode();
        out.put("resourceType", resource.get("resourceType").asString());
        out.put("subject", subjectOf(resource));
        tools.jackson.databind.node.ObjectNode dates = out.putObject("dates");
        Map<String, String> found = new TreeMap<>();
        dates(resource, resource.get("resourceType").asString(), found);
        found.forEach(dates::put);
        return out;
    }

    private void stamps(JsonNode compact) {
        Person person = persons.get(compact.get("subject").asString(""));
        if (person == null) {
            return;
        }
        String type = compact.get("resourceType").asString();
        person.counts.merge(type, 1, Integer::sum);
        Map<String, String> constant = person.constantDates.computeIfAbsent(type, t -> new HashMap<>());
        Map<String, Integer> carriers = person.dateCarriers.computeIfAbsent(type, t -> new HashMap<>());
        for (Map.Entry<String, JsonNode> date : compact.get("dates").properties()) {
            String path = date.getKey();
            String value = date.getValue().asString();
            int seen = carriers.merge(path, 1, Integer::sum);
            if (seen == 1) {
                constant.put(path, value);
            } else if (!value.equals(constant.get(path))) {
                constant.put(path, null);
            }
        }
    }

    /**
     * Date elements by path (types and element names, no indexes). An element that occurs several times in
     * one resource with different values is not constant within it, so it gets a value no other resource has.
     */
    private static void dates(JsonNode node, String path, Map<String, String> out) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                dates(field.getValue(), path + "." + field.getKey(), out);
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                dates(item, path, out);
            }
        } else if (node.isString() && DATE.matcher(node.asString()).matches()) {
            String before = out.putIfAbsent(path, node.asString());
            if (before != null && !before.equals(node.asString())) {
                out.put(path, "varies within one resource " + System.identityHashCode(node));
            }
        }
    }

    static String subjectOf(JsonNode resource) {
        if (resource.get("resourceType").asString().equals("Patient")) {
            return resource.get("id").asString();
        }
        for (String field : List.of("subject", "patient")) {
            JsonNode reference = resource.path(field).path("reference");
            if (reference.isString() && reference.asString().startsWith("Patient/")) {
                return reference.asString().substring("Patient/".length());
            }
        }
        return "";
    }

    private void person(JsonNode patient) {
        String id = patient.get("id").asString();
        persons.put(id, new Person(id, patient.path("birthDate").asString(null)));
        for (JsonNode name : patient.path("name")) {
            for (JsonNode given : name.path("given")) {
                nameParts(given.asString());
            }
            nameParts(name.path("family").asString(""));
        }
        for (JsonNode address : patient.path("address")) {
            for (JsonNode line : address.path("line")) {
                needle(line.asString(), Kind.ADDRESS_LINE);
            }
            needle(address.path("city").asString(""), Kind.CITY);
            needle(address.path("postalCode").asString(""), Kind.POSTAL_CODE);
        }
        for (JsonNode telecom : patient.path("telecom")) {
            needle(telecom.path("value").asString(""), Kind.TELECOM);
        }
        for (JsonNode extension : patient.path("extension")) {
            String url = extension.path("url").asString("");
            if (url.endsWith("patient-mothersMaidenName")) {
                String maiden = extension.path("valueString").asString("");
                needle(maiden, Kind.PERSON_TEXT);
                for (String part : maiden.split("\\s+")) {
                    if (part.length() >= MIN_NAME_PART) {
                        needle(part, Kind.PERSON_TEXT);
                    }
                }
            } else if (url.endsWith("patient-birthPlace")) {
                needle(extension.path("valueAddress").path("city").asString(""), Kind.PERSON_TEXT);
            }
        }
    }

    private void nameParts(String text) {
        for (String part : text.split("\\s+")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.length() < MIN_NAME_PART || !LETTERS.matcher(part.replace("'", "").replace("-", "")).matches()) {
                skippedShortNameParts++;
                continue;
            }
            needle(part, Kind.NAME_PART);
        }
    }

    /** Every resource's logical id, every identifier value anywhere in it, every coding's display. */
    private void collect(JsonNode resource) {
        needle(resource.path("id").asString(""), Kind.LOGICAL_ID);
        walk(resource);
    }

    private void walk(JsonNode node) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                JsonNode value = field.getValue();
                if (field.getKey().equals("identifier")) {
                    for (JsonNode identifier : value.isArray() ? value : JSON.createArrayNode().add(value)) {
                        String text = identifier.path("value").asString("");
                        if (text.length() >= MIN_IDENTIFIER) {
                            needle(text, Kind.IDENTIFIER);
                        }
                    }
                } else if (field.getKey().equals("coding")) {
                    for (JsonNode coding : value) {
                        String display = coding.path("display").asString("");
                        if (!display.isEmpty()) {
                            terminology.add(display.toLowerCase(Locale.ROOT));
                        }
                    }
                }
                walk(value);
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                walk(item);
            }
        }
    }

    /** The first kind a needle is found as wins: a person's name is a name even if a display also holds it. */
    private void needle(String text, Kind kind) {
        // A needle is matched from its first to its last letter or digit (see ReleaseScan.tokens).
        String trimmed = text.replaceAll("^[^\\p{L}\\p{N}]+|[^\\p{L}\\p{N}]+$", "");
        if (trimmed.isEmpty()) {
            return;
        }
        String key = trimmed.toLowerCase(Locale.ROOT);
        if (needles.putIfAbsent(key, kind) == null) {
            maxNeedleTokens = Math.max(maxNeedleTokens, ReleaseScan.tokens(key).size());
        }
    }
}
