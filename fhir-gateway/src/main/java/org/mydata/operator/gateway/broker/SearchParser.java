package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.QualifiedParamList;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.registry.BrokeredType;

/**
 * Reads a researcher's search parameters against {@link SearchSupport}: every parameter, modifier, prefix,
 * chain and value is either answered exactly or reported as an issue naming it. What the parser accepts becomes
 * {@link SearchCriteria} and an order; what it reports is refused (strict handling) or ignored and said so
 * (lenient handling) by {@link StrictSearch}. Nothing is dropped without a word.
 */
final class SearchParser {
    private static final FhirContext R4 = FhirContext.forR4Cached();
    static final Set<String> SUMMARY = Set.of("true", "false", "text", "data", "count");

    /** One thing the gateway does not answer, with the parameter (as the client wrote it) it is about. */
    record Issue(String parameter, IssueType code, String message) {
    }

    /**
     * @param unanswered the parameter keys (as written) that carry an issue: left out of the criteria, and
     *     removed from the request under lenient handling so that HAPI does not apply them either
     * @param countOnly {@code _count=0}, which the gateway answers as {@code _summary=count}
     */
    record Parsed(SearchCriteria criteria, Comparator<Released> order, List<Issue> issues, Set<String> unanswered,
                  boolean countOnly, List<Include> includes) {
    }

    /** {@code _include=Type:parameter[:Target]}: the released resources of {@code targets} the page refers to. */
    record Include(SearchSupport.Parameter parameter, List<String> targets) {
    }

    private final BrokeredType type;
    private final int maxPageSize;
    private final List<Issue> issues = new ArrayList<>();
    private final List<Include> includes = new ArrayList<>();
    private final Set<String> unanswered = new LinkedHashSet<>();
    /** What the parameters read so far ask: the criteria and order being built. */
    private Set<String> ids;
    private Set<String> patients;
    private final Map<String, List<String>> passThrough = new LinkedHashMap<>();
    private final List<Predicate<Resource>> filters = new ArrayList<>();
    private Comparator<Released> order;
    private boolean countOnly;

    private SearchParser(BrokeredType type, int maxPageSize) {
        this.type = type;
        this.maxPageSize = maxPageSize;
    }

    static Parsed parse(BrokeredType type, Map<String, String[]> parameters, int maxPageSize) {
        return new SearchParser(type, maxPageSize).run(parameters);
    }

    private Parsed run(Map<String, String[]> parameters) {
        for (Map.Entry<String, String[]> entry : parameters.entrySet()) {
            String key = entry.getKey();
            String[] values = entry.getValue();
            int colon = key.indexOf(':');
            String name = colon < 0 ? key : key.substring(0, colon);
            String modifier = colon < 0 ? "" : key.substring(colon + 1);
            if (resultParameter(key, name, modifier, values)) {
                continue;
            }
            SearchSupport.Parameter parameter = answered(key, name, modifier);
            if (parameter == null) {
                continue;
            }
            List<List<String>> and = valueLists(key, values);
            if (and != null) {
                criterion(key, name, modifier, parameter, and, values);
            }
        }
        if (type.isPatient() && ids != null) {
            patients = ids;
        }
        Predicate<Resource> released = filters.isEmpty() ? null : filters.stream().reduce(x -> true, Predicate::and);
        return new Parsed(new SearchCriteria(ids, patients, Map.copyOf(passThrough), released), order,
                List.copyOf(issues), Set.copyOf(unanswered), countOnly, List.copyOf(includes));
    }

    /** The result parameters ({@code _count}, {@code _sort}, ...): true when the key is one, read here. */
    private boolean resultParameter(String key, String name, String modifier, String[] values) {
        switch (name) {
            case "_format", "_pretty" -> {
                if (!modifier.isEmpty()) {
                    issue(key, IssueType.NOTSUPPORTED, "The gateway does not answer " + key + ".");
                }
            }
            case "_count" -> {
                Integer count = single(key, modifier, values);
                if (count != null) {
                    if (count == 0) {
                        countOnly = true;
                    } else if (count < 0 || count > maxPageSize) {
                        issue(key, IssueType.VALUE, "_count must be between 1 and " + maxPageSize
                                + " (or 0, which answers the count only), not " + count + ".");
                    }
                }
            }
            case "_summary" -> {
                if (!modifier.isEmpty() || values.length != 1 || !SUMMARY.contains(values[0])) {
                    issue(key, IssueType.VALUE, "_summary takes one of " + String.join(", ", new TreeSet<>(SUMMARY))
                            + ".");
                }
            }
            case "_elements" -> elements(key, modifier, values);
            case "_include" -> include(key, modifier, values);
            case "_sort" -> {
                Comparator<Released> sort = sort(key, modifier, values);
                if (sort != null) {
                    order = sort;
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The search parameter the key names, if the gateway answers it with that modifier; else null, and an issue. */
    private SearchSupport.Parameter answered(String key, String name, String modifier) {
        if (name.contains(".")) {
            issue(key, IssueType.NOTSUPPORTED, "The gateway does not answer chained searches (" + key + "): the "
                    + "resources a chain would search are judged after release, one type at a time.");
            return null;
        }
        SearchSupport.Parameter parameter = SearchSupport.parameter(type, name).orElse(null);
        if (parameter == null) {
            issue(key, IssueType.NOTSUPPORTED, "The gateway does not answer " + name + " on " + type.name()
                    + "; it answers " + SearchSupport.of(type).stream().map(SearchSupport.Parameter::name)
                    .collect(Collectors.joining(", ")) + " and " + String.join(", ", SearchSupport.RESULT_PARAMETERS)
                    + ".");
            return null;
        }
        if (!parameter.modifiers().contains(modifier)) {
            issue(key, IssueType.NOTSUPPORTED, "The gateway does not answer the modifier :" + modifier + " on "
                    + name + (parameter.modifiers().size() > 1 ? "; it answers :not." : "."));
            return null;
        }
        return parameter;
    }

    /** The values as FHIR reads them: repetitions ANDed, comma-separated alternatives ORed; null if one is empty. */
    private List<List<String>> valueLists(String key, String[] values) {
        List<List<String>> and = new ArrayList<>();
        boolean empty = false;
        for (String value : values) {
            List<String> or = QualifiedParamList.splitQueryStringByCommasIgnoreEscape(null, value);
            if (value.isEmpty() || or.isEmpty() || or.stream().anyMatch(String::isEmpty)) {
                empty = true;
            }
            and.add(or);
        }
        if (empty) {
            issue(key, IssueType.VALUE, key + " has an empty value.");
            return null;
        }
        return and;
    }

    /**
     * Adds what one search parameter asks to the criteria. It is committed only when all its values were read:
     * one bad value leaves all of it out, with an issue.
     */
    private void criterion(String key, String name, String modifier, SearchSupport.Parameter parameter,
                           List<List<String>> and, String[] values) {
        boolean not = modifier.equals("not");
        List<Predicate<Resource>> keyFilters = new ArrayList<>();
        Set<String> keyIds = ids == null ? null : new HashSet<>(ids);
        Set<String> keyPatients = patients == null ? null : new HashSet<>(patients);
        try {
            switch (parameter.kind()) {
                case ID -> {
                    for (List<String> or : and) {
                        if (not) {
                            Set<String> excluded = Set.copyOf(or);
                            keyFilters.add(r -> !excluded.contains(r.getIdElement().getIdPart()));
                        } else {
                            keyIds = intersect(keyIds, or);
                        }
                    }
                }
                case PATIENT -> {
                    for (List<String> or : and) {
                        List<String> wanted = new ArrayList<>();
                        for (String value : or) {
                            wanted.add(patientId(value));
                        }
                        keyPatients = intersect(keyPatients, wanted);
                    }
                }
                case DATE -> {
                    for (List<String> or : and) {
                        List<DateParam> dates = new ArrayList<>();
                        for (String value : or) {
                            dates.add(date(value));
                        }
                        keyFilters.add(r -> ReleasedMatch.date(type, r, dates));
                    }
                }
                case TOKEN -> {
                    for (List<String> or : and) {
                        List<TokenParam> tokens = new ArrayList<>();
                        for (String value : or) {
                            TokenParam token = new TokenParam();
                            token.setValueAsQueryToken(R4, name, null, value);
                            tokens.add(token);
                        }
                        Predicate<Resource> any = r -> ReleasedMatch.token(parameter, r, tokens);
                        keyFilters.add(not ? any.negate() : any);
                    }
                }
                case REFERENCE -> {
                    for (List<String> or : and) {
                        List<String> references = new ArrayList<>();
                        for (String value : or) {
                            references.add(reference(value));
                        }
                        keyFilters.add(r -> ReleasedMatch.reference(parameter, r, references));
                    }
                }
                default -> throw new IllegalStateException(parameter.kind().name());
            }
            filters.addAll(keyFilters);
            ids = keyIds;
            patients = keyPatients;
            if (parameter.kind() == SearchSupport.Kind.TOKEN && !not && type.tokenParameters().contains(name)) {
                passThrough.computeIfAbsent(name, n -> new ArrayList<>()).addAll(List.of(values));
            }
        } catch (BadValue | DataFormatException e) {
            issue(key, IssueType.VALUE, key + ": " + e.getMessage());
        }
    }

    private Integer single(String key, String modifier, String[] values) {
        if (!modifier.isEmpty() || values.length != 1) {
            issue(key, IssueType.VALUE, "_count takes one whole number.");
            return null;
        }
        try {
            return Integer.parseInt(values[0]);
        } catch (NumberFormatException e) {
            issue(key, IssueType.VALUE, "_count takes one whole number, not " + values[0] + ".");
            return null;
        }
    }

    private void elements(String key, String modifier, String[] values) {
        if (!modifier.isEmpty()) {
            issue(key, IssueType.NOTSUPPORTED, "The gateway does not answer " + key + ".");
            return;
        }
        RuntimeResourceDefinition definition = R4.getResourceDefinition(type.name());
        for (String value : values) {
            for (String element : value.split(",")) {
                String plain = element.trim();
                if (plain.startsWith(type.name() + ".")) {
                    plain = plain.substring(type.name().length() + 1);
                }
                if (plain.isEmpty() || plain.contains(".") || definition.getChildByName(plain) == null
                        && definition.getChildByName(plain + "[x]") == null) {
                    issue(key, IssueType.VALUE, "_elements names " + element + ", which is no element of "
                            + type.name() + ".");
                    return;
                }
            }
        }
    }

    private void include(String key, String modifier, String[] values) {
        if (!modifier.isEmpty()) {
            issue(key, IssueType.NOTSUPPORTED, "The gateway does not answer " + key + ": it includes one level only.");
            return;
        }
        List<Include> wanted = new ArrayList<>();
        for (String value : values) {
            String[] parts = value.split(":");
            SearchSupport.Parameter parameter = parts.length < 2 || parts.length > 3 || !parts[0].equals(type.name())
                    ? null : SearchSupport.parameter(type, parts[1]).orElse(null);
            if (parameter == null || parameter.targets().isEmpty()) {
                issue(key, IssueType.NOTSUPPORTED, "_include takes " + type.name() + ":<reference parameter>[:<type>] "
                        + "with a reference the gateway answers and a brokered type, not " + value + ".");
                return;
            }
            List<String> targets = parts.length == 3
                    ? parameter.targets().stream().filter(parts[2]::equals).toList() : parameter.targets();
            if (targets.isEmpty()) {
                issue(key, IssueType.NOTSUPPORTED, "_include " + value + " names a type " + parts[1]
                        + " does not refer to among the brokered types.");
                return;
            }
            wanted.add(new Include(parameter, targets));
        }
        includes.addAll(wanted);
    }

    private Comparator<Released> sort(String key, String modifier, String[] values) {
        if (!modifier.isEmpty() || values.length != 1) {
            issue(key, IssueType.NOTSUPPORTED, "_sort takes one comma-separated list, without modifiers.");
            return null;
        }
        Comparator<Released> order = null;
        for (String item : values[0].split(",")) {
            boolean descending = item.startsWith("-");
            String name = descending ? item.substring(1) : item;
            Comparator<Released> next;
            if (name.equals("_id")) {
                next = Comparator.comparing((Released r) -> r.resource().getIdElement().getIdPart());
            } else if (type.dateSearch() && name.equals(type.dateParameter())) {
                // Missing dates sort last either way, as they would in most servers' indexes.
                Comparator<Date> dates = descending ? Comparator.<Date>nullsFirst(Comparator.naturalOrder())
                        : Comparator.<Date>nullsLast(Comparator.naturalOrder());
                next = Comparator.comparing((Released r) -> type.clinicalInstant(r.resource()).orElse(null), dates);
            } else {
                issue(key, IssueType.NOTSUPPORTED, "The gateway sorts " + type.name() + " by "
                        + String.join(" or ", SearchSupport.sortKeys(type)) + " only, not by " + name + ".");
                return null;
            }
            if (descending) {
                next = next.reversed();
            }
            order = order == null ? next : order.thenComparing(next);
        }
        return order;
    }

    private static String patientId(String value) {
        String id = value;
        if (id.contains("/")) {
            String[] parts = id.split("/");
            if (parts.length != 2 || !parts[0].equals("Patient")) {
                throw new BadValue("patient and subject take a Patient of this base, as id or Patient/id, not " + value
                        + ".");
            }
            id = parts[1];
        }
        if (id.isBlank()) {
            throw new BadValue("an empty Patient id.");
        }
        return id;
    }

    private static String reference(String value) {
        String[] parts = value.split("/");
        if (parts.length > 2 || value.contains(":") || parts[parts.length - 1].isBlank()) {
            throw new BadValue("a reference is an id or Type/id of this base, not " + value + ".");
        }
        return value;
    }

    private static DateParam date(String value) {
        DateParam date = new DateParam(value);
        if (date.getValue() == null) {
            throw new BadValue("no date in " + value + ".");
        }
        return date;
    }

    private void issue(String key, IssueType code, String message) {
        issues.add(new Issue(key, code, message));
        unanswered.add(key);
    }

    private static Set<String> intersect(Set<String> current, List<String> next) {
        if (current == null) {
            return new HashSet<>(next);
        }
        current.retainAll(next);
        return current;
    }

    /** A value the parameter cannot take; its message is the client's to read. */
    private static final class BadValue extends RuntimeException {
        BadValue(String message) {
            super(message, null, false, false);
        }
    }
}
