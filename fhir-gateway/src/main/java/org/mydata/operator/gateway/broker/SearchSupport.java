package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mydata.operator.gateway.pseudonym.DeidentificationProfiles;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;

/**
 * The search parameters the gateway answers for each brokered type, exactly: R4's own definitions of the type
 * (as HAPI's {@link FhirContext} knows them) narrowed to what can be judged on what the gateway releases. A
 * parameter is answered only when every element it searches is released by the type's de-identification
 * profile (a search on a dropped element would let a researcher probe it value by value), and the gateway
 * judges it itself on the released resource: ids and references are pseudonyms, dates are shifted.
 * The parser, the providers and the CapabilityStatement all read this one list.
 */
public final class SearchSupport {
    /** How a parameter is answered. */
    public enum Kind {
        /** {@code _id}, on the pseudonymised id. */
        ID,
        /** {@code patient}/{@code subject}: the cohort narrowed to the named pseudonymous Patients. */
        PATIENT,
        /** The type's clinical date, every prefix, on the shifted date. */
        DATE,
        /** A token on released codes; positive criteria of the registry's token parameters also go upstream. */
        TOKEN,
        /** A reference between released resources, on the pseudonym. */
        REFERENCE
    }

    /**
     * One answered parameter.
     *
     * @param paths the R4 element paths it searches (several for a union such as {@code combo-code}), a cast
     *     choice element as {@code Observation.value as CodeableConcept}
     * @param modifiers the modifiers answered, {@code ""} for none
     * @param definition R4's canonical URL of the parameter
     * @param targets for a reference, the brokered types it may point to (what {@code _include} can bring along)
     */
    public record Parameter(String name, Kind kind, RestSearchParameterTypeEnum type, List<String> paths,
                            Set<String> modifiers, String definition, List<String> targets) {
    }

    /** Search result parameters the gateway answers on every type (besides {@code _sort} on the date and id). */
    public static final List<String> RESULT_PARAMETERS = List.of("_count", "_summary", "_elements", "_sort",
            "_format", "_pretty");

    private static final Pattern PLAIN_PATH = Pattern.compile("[A-Z][A-Za-z]+(\\.[a-z][A-Za-z]*)+");
    /** R4's cast of a choice element, {@code (Observation.value as CodeableConcept)}. */
    private static final Pattern CAST = Pattern.compile("\\(([A-Z][A-Za-z]+(?:\\.[a-z][A-Za-z]*)+) as ([A-Z][A-Za-z]+)\\)");
    private static final Map<String, Map<String, Parameter>> BY_TYPE = new ConcurrentHashMap<>();

    private SearchSupport() {
    }

    /** The parameters answered for the type, {@code _id} first, then by name. */
    public static List<Parameter> of(BrokeredType type) {
        return List.copyOf(answered(type).values());
    }

    public static Optional<Parameter> parameter(BrokeredType type, String name) {
        return Optional.ofNullable(answered(type).get(name));
    }

    /** What {@code _sort} takes for the type: {@code _id} and the clinical date where it is searchable. */
    public static List<String> sortKeys(BrokeredType type) {
        return type.dateSearch() ? List.of(type.dateParameter(), "_id") : List.of("_id");
    }

    private static Map<String, Parameter> answered(BrokeredType type) {
        return BY_TYPE.computeIfAbsent(type.name(), n -> compute(type));
    }

    private static Map<String, Parameter> compute(BrokeredType type) {
        RuntimeResourceDefinition definition = FhirContext.forR4Cached().getResourceDefinition(type.name());
        Set<String> released = Set.copyOf(DeidentificationProfiles.standard().released(type.name()));
        Map<String, Parameter> result = new LinkedHashMap<>();
        RuntimeSearchParam id = definition.getSearchParam("_id");
        result.put("_id", new Parameter("_id", Kind.ID, RestSearchParameterTypeEnum.TOKEN, List.of("Resource.id"),
                Set.of("", "not"), id.getUri(), List.of()));
        List<RuntimeSearchParam> r4 = new ArrayList<>(definition.getSearchParams());
        r4.sort(Comparator.comparing(RuntimeSearchParam::getName));
        for (RuntimeSearchParam param : r4) {
            String name = param.getName();
            if (name.startsWith("_")) {
                continue;
            }
            List<String> paths = paths(param.getPath());
            Kind kind = null;
            Set<String> modifiers = Set.of("");
            if (!type.isPatient() && (name.equals("patient") || name.equals("subject"))
                    && (param.getTargets().isEmpty() || param.getTargets().contains("Patient"))) {
                kind = Kind.PATIENT;
            } else if (name.equals(type.dateParameter())) {
                if (param.getParamType() != RestSearchParameterTypeEnum.DATE) {
                    throw new IllegalStateException(type.name() + "." + name + " is not a date parameter in R4");
                }
                kind = Kind.DATE;
            } else if (param.getParamType() == RestSearchParameterTypeEnum.TOKEN && paths != null
                    && paths.stream().allMatch(p -> releasedAsCode(released, element(p)))) {
                kind = Kind.TOKEN;
                modifiers = Set.of("", "not");
            } else if (param.getParamType() == RestSearchParameterTypeEnum.REFERENCE && paths != null
                    && paths.stream().allMatch(p -> released.contains(element(p) + " pseudonymise"))) {
                kind = Kind.REFERENCE;
            }
            if (kind != null) {
                List<String> targets = switch (kind) {
                    case PATIENT -> List.of("Patient");
                    case REFERENCE -> BrokeredTypes.names().stream()
                            .filter(t -> param.getTargets().isEmpty() || param.getTargets().contains(t)).toList();
                    default -> List.of();
                };
                result.put(name, new Parameter(name, kind, param.getParamType(),
                        paths == null ? List.of() : paths, modifiers, param.getUri(), targets));
            }
        }
        if (type.dateSearch() && !result.containsKey(type.dateParameter())) {
            throw new IllegalStateException(type.name() + " has no R4 search parameter " + type.dateParameter());
        }
        for (String token : type.tokenParameters()) {
            Parameter answered = result.get(token);
            if (answered == null || answered.kind() != Kind.TOKEN) {
                throw new IllegalStateException(type.name() + "." + token
                        + " is passed on to sources but is not an R4 token parameter on released codes");
            }
        }
        return result;
    }

    /**
     * A union of element paths, each plain ({@code Observation.code}) or a cast of a choice element ({@code
     * Observation.value as CodeableConcept}); null when R4's expression uses anything else (functions, where).
     */
    private static List<String> paths(String expression) {
        List<String> paths = new ArrayList<>();
        for (String part : expression.split("\\|")) {
            String path = part.trim();
            Matcher cast = CAST.matcher(path);
            if (cast.matches()) {
                paths.add(cast.group(1) + " as " + cast.group(2));
            } else if (PLAIN_PATH.matcher(path).matches()) {
                paths.add(path);
            } else {
                return null;
            }
        }
        return paths;
    }

    /** The element a path names in the profiles: a cast choice element by its typed name, valueCodeableConcept. */
    private static String element(String path) {
        int as = path.indexOf(" as ");
        return as < 0 ? path : path.substring(0, as) + path.substring(as + 4);
    }

    /** A primitive code kept as it is, or a Coding or CodeableConcept whose system and code are both kept. */
    private static boolean releasedAsCode(Set<String> released, String path) {
        return released.contains(path + " keep")
                || released.contains(path + ".code keep") && released.contains(path + ".system keep")
                || released.contains(path + ".coding.code keep") && released.contains(path + ".coding.system keep");
    }

    /** Every brokered type's parameters, computed now: a registry entry R4 contradicts stops the start. */
    static void check() {
        BrokeredTypes.all().forEach(SearchSupport::of);
    }
}
