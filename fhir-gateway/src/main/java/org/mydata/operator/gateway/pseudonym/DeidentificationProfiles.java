package org.mydata.operator.gateway.pseudonym;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimePrimitiveDatatypeDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Reference;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The de-identification profiles of {@code deidentification/profiles.yaml}, one per brokered type, checked
 * when loaded: every path must be an element of that type in FHIR R4 and every action must fit the element's
 * datatype (a shift only on dates, a pseudonym only on references, keep only on primitives). A profile that
 * names an element R4 does not have would never match anything, and the data it meant to release would be
 * dropped without a word; so a mistake in the file stops the gateway from starting instead.
 */
public final class DeidentificationProfiles {
    public static final String RESOURCE = "/deidentification/profiles.yaml";

    private static volatile DeidentificationProfiles standard;

    private final Map<String, Rule.Children> byType;
    /** {@code system|code} of the codings that say something of a person's social context (socialContext). */
    private final java.util.Set<String> socialContext;

    private DeidentificationProfiles(Map<String, Rule.Children> byType, java.util.Set<String> socialContext) {
        this.byType = Map.copyOf(byType);
        this.socialContext = java.util.Set.copyOf(socialContext);
    }

    /** The profiles shipped with the gateway, loaded and checked once. */
    public static DeidentificationProfiles standard() {
        DeidentificationProfiles loaded = standard;
        if (loaded == null) {
            synchronized (DeidentificationProfiles.class) {
                if (standard == null) {
                    try (InputStream in = DeidentificationProfiles.class.getResourceAsStream(RESOURCE)) {
                        if (in == null) {
                            throw new IllegalStateException(RESOURCE + " is missing from the gateway's classpath");
                        }
                        standard = load(in, FhirContext.forR4Cached());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                loaded = standard;
            }
        }
        return loaded;
    }

    /**
     * Reads and checks profiles; every brokered type must have one and nothing else may.
     *
     * @throws IllegalArgumentException naming every mistake found
     */
    public static DeidentificationProfiles load(InputStream yaml, FhirContext fhirContext) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object document = new Yaml(new SafeConstructor(options)).load(yaml);
        List<String> mistakes = new ArrayList<>();
        Map<String, Object> root = map(document, "the file", mistakes);
        Map<String, Object> datatypeSources = map(root.getOrDefault("datatypes", Map.of()), "datatypes", mistakes);
        Map<String, Object> typeSources = map(root.get("types"), "types", mistakes);
        java.util.Set<String> socialContext = socialContext(root.getOrDefault("socialContext", Map.of()), mistakes);
        Loader loader = new Loader(fhirContext, datatypeSources, mistakes);
        Map<String, Rule.Children> byType = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : typeSources.entrySet()) {
            String type = entry.getKey();
            if (BrokeredTypes.named(type).isEmpty()) {
                mistakes.add("types." + type + ": not a brokered type (the registry lists " + BrokeredTypes.names() + ")");
                continue;
            }
            BaseRuntimeElementCompositeDefinition<?> definition = fhirContext.getResourceDefinition(type);
            byType.put(type, loader.children(entry.getValue(), definition, type, mistakes));
        }
        for (BrokeredType type : BrokeredTypes.all()) {
            if (!byType.containsKey(type.name())) {
                mistakes.add("types." + type.name() + ": a brokered type without a profile");
            }
        }
        if (!mistakes.isEmpty()) {
            throw new IllegalArgumentException("the de-identification profiles are wrong: " + String.join("; ", mistakes));
        }
        return new DeidentificationProfiles(byType, socialContext);
    }

    /** The socialContext section: code systems, each a map of code to the reason it is social. */
    private static java.util.Set<String> socialContext(Object source, List<String> mistakes) {
        java.util.Set<String> codes = new TreeSet<>();
        for (Map.Entry<String, Object> system : map(source, "socialContext", mistakes).entrySet()) {
            for (Map.Entry<String, Object> code : map(system.getValue(), "socialContext." + system.getKey(), mistakes)
                    .entrySet()) {
                if (!(code.getValue() instanceof String reason) || reason.isBlank()) {
                    mistakes.add("socialContext." + system.getKey() + "." + code.getKey() + ": give the reason");
                }
                codes.add(system.getKey() + "|" + code.getKey());
            }
        }
        return codes;
    }

    /**
     * Whether the coding says something of the person's social context (employment, education, violence, housing,
     * criminal record...): such a coding is released only where the permit's scope releases social history.
     */
    boolean socialContext(String system, String code) {
        return socialContext.contains(system + "|" + code);
    }

    /** The rules of a type's resources; empty for a type that has no profile (whose resources never leave). */
    Optional<Rule.Children> of(String type) {
        return Optional.ofNullable(byType.get(type));
    }

    /**
     * Every released element path of the type with its action, e.g. {@code Observation.code.coding.code keep},
     * sorted; for reviews and the docs, so that what is in the file can be read flat.
     */
    public List<String> released(String type) {
        TreeSet<String> lines = new TreeSet<>();
        of(type).ifPresent(rules -> flatten(type, rules, lines));
        return List.copyOf(lines);
    }

    private static void flatten(String path, Rule.Children children, TreeSet<String> into) {
        children.rules().forEach((name, rule) -> {
            if (rule instanceof Rule.Children nested) {
                flatten(path + "." + name, nested, into);
            } else if (rule != Rule.Action.DROP) {
                into.add(path + "." + name + " " + ((Rule.Action) rule).word());
            }
        });
    }

    /** Turns the file's maps into rules, with datatype profiles expanded in place and every path checked. */
    private static final class Loader {
        private final FhirContext fhirContext;
        private final Map<String, Object> datatypeSources;
        private final Map<String, Rule.Children> datatypes = new LinkedHashMap<>();
        private final List<String> mistakes;

        Loader(FhirContext fhirContext, Map<String, Object> datatypeSources, List<String> mistakes) {
            this.fhirContext = fhirContext;
            this.datatypeSources = datatypeSources;
            this.mistakes = mistakes;
        }

        Rule.Children children(Object source, BaseRuntimeElementCompositeDefinition<?> definition, String path,
                               List<String> mistakes) {
            Map<String, Rule> rules = new LinkedHashMap<>();
            for (Map.Entry<String, Object> entry : map(source, path, mistakes).entrySet()) {
                String name = entry.getKey();
                String childPath = path + "." + name;
                BaseRuntimeChildDefinition child = definition.getChildByName(name);
                BaseRuntimeElementDefinition<?> element = child == null ? null : child.getChildByName(name);
                if (element == null) {
                    mistakes.add(childPath + ": not an element of " + definition.getName() + " in FHIR R4");
                    continue;
                }
                Rule rule = rule(entry.getValue(), element, childPath);
                if (rule != null) {
                    rules.put(name, rule);
                }
            }
            return new Rule.Children(rules);
        }

        private Rule rule(Object value, BaseRuntimeElementDefinition<?> element, String path) {
            if (value instanceof Map<?, ?>) {
                if (!(element instanceof BaseRuntimeElementCompositeDefinition<?> composite)) {
                    mistakes.add(path + ": a " + element.getName() + " has no elements to list");
                    return null;
                }
                return children(value, composite, path, mistakes);
            }
            if (!(value instanceof String word)) {
                mistakes.add(path + ": expected an action, a datatype or a map of elements");
                return null;
            }
            Rule.Action action = Rule.Action.ofWord(word);
            if (action == null) {
                return datatype(word, element, path);
            }
            String fit = switch (action) {
                case KEEP, KEEP_CODED -> element instanceof RuntimePrimitiveDatatypeDefinition ? null
                        : "keep releases primitive values only; list the elements of a " + element.getName();
                case SHIFT -> BaseDateTimeType.class.isAssignableFrom(element.getImplementingClass()) ? null
                        : "only dates, date-times and instants can be shifted";
                case BIRTH_YEAR -> DateType.class.isAssignableFrom(element.getImplementingClass()) ? null
                        : "only a date can be generalised to a birth year";
                case DECEASED -> path.endsWith("Patient.deceasedBoolean") || path.endsWith("Patient.deceasedDateTime")
                        ? null : "only Patient.deceased[x] is generalised to whether the person died";
                case PSEUDONYMISE -> Reference.class.isAssignableFrom(element.getImplementingClass()) ? null
                        : "only references are pseudonymised";
                case DROP -> null;
            };
            if (fit != null) {
                mistakes.add(path + ": " + fit);
                return null;
            }
            return action;
        }

        private Rule datatype(String name, BaseRuntimeElementDefinition<?> element, String path) {
            if (!datatypeSources.containsKey(name)) {
                mistakes.add(path + ": '" + name + "' is neither an action nor a datatype profiled under datatypes");
                return null;
            }
            if (!element.getName().equals(name)) {
                mistakes.add(path + ": is a " + element.getName() + ", not a " + name);
                return null;
            }
            Rule.Children rules = datatypes.get(name);
            if (rules == null) {
                // Marked before it is read, so a datatype profile that refers back to itself ends with nothing
                // released below the loop instead of recursing forever.
                datatypes.put(name, new Rule.Children(Map.of()));
                rules = children(datatypeSources.get(name),
                        (BaseRuntimeElementCompositeDefinition<?>) fhirContext.getElementDefinition(name),
                        "datatypes." + name, mistakes);
                datatypes.put(name, rules);
            }
            return rules;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String where, List<String> mistakes) {
        if (value instanceof Map<?, ?> map) {
            for (Object key : map.keySet()) {
                if (!(key instanceof String)) {
                    mistakes.add(where + ": the key " + key + " is not a name");
                    return Map.of();
                }
            }
            return (Map<String, Object>) map;
        }
        mistakes.add(where + ": expected a map of elements");
        return Map.of();
    }
}
