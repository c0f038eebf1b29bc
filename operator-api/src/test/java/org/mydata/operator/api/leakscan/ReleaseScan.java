package org.mydata.operator.api.leakscan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mydata.operator.api.leakscan.SourcePopulation.Kind;
import org.mydata.operator.api.leakscan.SourcePopulation.Person;
import tools.jackson.databind.JsonNode;

/**
 * Scans every resource one release path (search or export) of one population let out, and counts hits per
 * kind: identifying text of any source person, a person's own birth date, record-keeping stamps released
 * (the shift-recovery attack), elements that must never leave, references to types the permit does not
 * release. One instance per population and path; resources are handed over one at a time, so nothing of the
 * release is held but the counts.
 */
public final class ReleaseScan {
    /** Elements no released resource may have, at its top level. */
    static final List<String> NEVER_RELEASED = List.of("meta", "text", "identifier", "note", "contained");
    private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}]+");
    private static final Pattern RELATIVE_REFERENCE = Pattern.compile("([A-Z][A-Za-z]+)/([^/]+)");
    private static final int EXAMPLES = 3;

    private final SourcePopulation population;
    private final String path;
    private final Map<String, Person> personByPatientId;
    private final Set<String> releasedTypes;

    private final Map<String, Integer> hits = new LinkedHashMap<>();
    private final Map<String, List<String>> examples = new HashMap<>();
    private final Map<String, Integer> released = new TreeMap<>();
    private int terminologySkipped;
    private int strings;
    /** person -> released Patient ids; person -> subjects their clinical resources reference. */
    final Map<Person, Set<String>> patientsOf = new HashMap<>();
    final Map<Person, Set<String>> subjectsOf = new HashMap<>();
    final Map<Person, Map<String, Integer>> releasedCountsOf = new HashMap<>();
    /** "patient|type|path" of every constant source date path whose person had resources of the type released. */
    private final Set<String> constantPathsChecked = new HashSet<>();
    private final Set<String> constantPathsHit = new HashSet<>();

    /**
     * @param personByPatientId the person behind each released Patient id (see the test's mapping helper)
     */
    public ReleaseScan(SourcePopulation population, String path, Map<String, Person> personByPatientId,
                       Set<String> releasedTypes) {
        this.population = population;
        this.path = path;
        this.personByPatientId = personByPatientId;
        this.releasedTypes = releasedTypes;
        for (Kind kind : Kind.values()) {
            hits.put(kind.label, 0);
        }
        for (String label : List.of(birthDatesLabel(), neverReleasedLabel(), referencesLabel(), shiftLabel(),
                unmappedLabel())) {
            hits.put(label, 0);
        }
    }

    public void accept(JsonNode resource) {
        String type = resource.path("resourceType").asString("?");
        released.merge(type, 1, Integer::sum);
        for (String name : NEVER_RELEASED) {
            if (resource.has(name)) {
                hit(neverReleasedLabel(), type + "." + name);
            }
        }
        Person person = personOf(resource, type);
        List<String[]> values = new ArrayList<>();
        Set<String> paths = new HashSet<>();
        walk(resource, type, null, values, paths);
        for (String[] value : values) {
            scanString(type, value[0], value[1], value[2], person);
        }
        if (person != null) {
            releasedCountsOf.computeIfAbsent(person, p -> new TreeMap<>()).merge(type, 1, Integer::sum);
            Set<String> constant = person.constantDatePaths().getOrDefault(type, Set.of());
            for (String constantPath : constant) {
                String key = person.patientId + "|" + constantPath;
                constantPathsChecked.add(key);
                if (paths.contains(constantPath) && constantPathsHit.add(key)) {
                    hit(shiftLabel(), constantPath + " (the same source value on all " + person.counts().get(type)
                            + " of a person's " + type + " resources, released as "
                            + firstValue(values, constantPath) + ")");
                }
            }
        }
    }

    private Person personOf(JsonNode resource, String type) {
        String patientId;
        if (type.equals("Patient")) {
            patientId = resource.path("id").asString("");
        } else {
            String subject = resource.path("subject").path("reference").asString(
                    resource.path("patient").path("reference").asString(""));
            patientId = subject.startsWith("Patient/") ? subject.substring("Patient/".length()) : "";
        }
        Person person = personByPatientId.get(patientId);
        if (person == null) {
            hit(unmappedLabel(), type + " about " + (patientId.isEmpty() ? "no Patient" : "Patient/" + patientId));
            return null;
        }
        if (type.equals("Patient")) {
            patientsOf.computeIfAbsent(person, p -> new HashSet<>()).add(patientId);
        } else {
            subjectsOf.computeIfAbsent(person, p -> new HashSet<>()).add(patientId);
        }
        return person;
    }

    /** Every string value with its element path (no indexes) and the name of the field holding it; every path. */
    private void walk(JsonNode node, String at, String field, List<String[]> values, Set<String> paths) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> child : node.properties()) {
                String childPath = at + "." + child.getKey();
                paths.add(childPath);
                if (child.getKey().equals("reference") && child.getValue().isString()) {
                    checkReference(at, child.getValue().asString());
                }
                walk(child.getValue(), childPath, child.getKey(), values, paths);
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                walk(item, at, field, values, paths);
            }
        } else if (node.isString()) {
            values.add(new String[] {at, field, node.asString()});
        }
    }

    private void checkReference(String at, String reference) {
        Matcher relative = RELATIVE_REFERENCE.matcher(reference);
        if (!relative.matches() || !releasedTypes.contains(relative.group(1))) {
            hit(referencesLabel(), at + ".reference -> " + (relative.matches() ? relative.group(1) : reference));
        }
    }

    private void scanString(String type, String at, String field, String value, Person person) {
        strings++;
        if (person != null && person.birthDate != null && containsDate(value, person.birthDate)) {
            hit(birthDatesLabel(), at + " = " + value);
        }
        String lower = value.toLowerCase(Locale.ROOT);
        // A coding's display (or a concept's text that repeats one) is terminology: "Laceration of hand" is no
        // leak of a person named Hand. Only exact displays the sources' own codings carry are let through.
        if (("display".equals(field) || "text".equals(field)) && population.terminology.contains(lower)) {
            terminologySkipped++;
            return;
        }
        List<int[]> tokens = tokenSpans(lower);
        for (int i = 0; i < tokens.size(); i++) {
            for (int j = i; j < tokens.size() && j < i + population.maxNeedleTokens; j++) {
                String candidate = lower.substring(tokens.get(i)[0], tokens.get(j)[1]);
                Kind kind = population.needles.get(candidate);
                if (kind != null) {
                    hit(kind.label, at + " = " + abbreviate(value));
                }
            }
        }
    }

    /**
     * Whole-token matching: a needle matches only from the start of a run of letters or digits to the end of
     * one, never inside a run. A released pseudonym is 32 hex digits, and one that happens to contain a
     * postal code's "02476" or a phone number's digits says nothing about anyone; a substring search would
     * report it, and a test that cries wolf gets its needles thinned until it finds nothing real.
     */
    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            tokens.add(m.group());
        }
        return tokens;
    }

    private static List<int[]> tokenSpans(String text) {
        List<int[]> spans = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        return spans;
    }

    /** The date at the start of any date or date-time, or anywhere in text, not inside a longer run of digits. */
    static boolean containsDate(String value, String date) {
        for (int at = value.indexOf(date); at >= 0; at = value.indexOf(date, at + 1)) {
            boolean before = at == 0 || !Character.isDigit(value.charAt(at - 1));
            int end = at + date.length();
            boolean after = end == value.length() || !Character.isDigit(value.charAt(end));
            if (before && after) {
                return true;
            }
        }
        return false;
    }

    private static String firstValue(List<String[]> values, String path) {
        return values.stream().filter(v -> v[0].equals(path)).map(v -> v[2]).findFirst().orElse("(not a string)");
    }

    private void hit(String label, String example) {
        hits.merge(label, 1, Integer::sum);
        List<String> list = examples.computeIfAbsent(label, l -> new ArrayList<>());
        if (list.size() < EXAMPLES) {
            list.add(example);
        }
    }

    private static String abbreviate(String value) {
        return value.length() <= 80 ? value : value.substring(0, 77) + "...";
    }

    public String path() {
        return path;
    }

    /** The released Patient ids the person appeared as. */
    public Set<String> patientsOf(Person person) {
        return patientsOf.getOrDefault(person, Set.of());
    }

    /** The Patient ids the person's released clinical resources are about. */
    public Set<String> subjectsOf(Person person) {
        return subjectsOf.getOrDefault(person, Set.of());
    }

    /** Hits by kind label, in report order. */
    public Map<String, Integer> hits() {
        return hits;
    }

    public int totalHits() {
        return hits.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int releasedResources() {
        return released.values().stream().mapToInt(Integer::intValue).sum();
    }

    public Map<String, Integer> releasedByType() {
        return released;
    }

    public String report() {
        StringBuilder out = new StringBuilder();
        int total = releasedResources();
        out.append(String.format("[%s, %s] %d released resources %s, %d string values; %d persons at the source%n",
                population.name, path, total, released, strings, population.persons.size()));
        hits.forEach((label, n) -> {
            String over = label.equals(shiftLabel())
                    ? String.format("over %d constant date paths (person x type x element) checked",
                    constantPathsChecked.size())
                    : String.format("over %d released resources", total);
            out.append(String.format("  %-70s %6d hits %s%n", label + ":", n, over));
            for (String example : examples.getOrDefault(label, List.of())) {
                out.append("      e.g. ").append(example).append('\n');
            }
        });
        out.append(String.format("  (looked for %s; %d name parts under %d letters not looked for; %d terminology "
                + "displays let through)%n", population.needleCounts, population.skippedShortNameParts,
                SourcePopulation.MIN_NAME_PART, terminologySkipped));
        return out.toString();
    }

    static String birthDatesLabel() {
        return "birth dates (a person's own, in any of their released values)";
    }

    static String neverReleasedLabel() {
        return "elements never released (" + String.join(", ", NEVER_RELEASED) + ")";
    }

    static String referencesLabel() {
        return "references to types the permit does not release";
    }

    static String shiftLabel() {
        return "shift recovery (a person's constant source date released)";
    }

    static String unmappedLabel() {
        return "resources about no consenting person";
    }
}
