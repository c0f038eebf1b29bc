package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.util.UrlUtil;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.registry.BrokeredType;

/**
 * An export's {@code _since}, {@code _typeFilter} and {@code _elements} as the broker and the encoder take them.
 * A filter is answered only where the answer is exact: the token parameters the registry says a source answers
 * unchanged for the type (passed on), and the type's R4 date parameter ({@code date}, {@code onset-date},
 * {@code authoredon}) where the gateway answers it (judged on the shifted date,
 * as a search is). Anything else is refused at kick-off, never ignored.
 */
final class ExportFilters {
    private static final Set<ParamPrefixEnum> DATE_PREFIXES = Set.of(ParamPrefixEnum.EQUAL,
            ParamPrefixEnum.GREATERTHAN, ParamPrefixEnum.GREATERTHAN_OR_EQUALS, ParamPrefixEnum.LESSTHAN,
            ParamPrefixEnum.LESSTHAN_OR_EQUALS);

    private ExportFilters() {
    }

    /**
     * What the source is asked and what the gateway checks for one type: the filter's query (or null), and
     * {@code _lastUpdated=ge<since>} when {@code since} is given.
     *
     * @throws InvalidRequestException naming what cannot be answered exactly
     */
    static SearchCriteria criteria(BrokeredType type, String query, Instant since) {
        Map<String, List<String>> passThrough = new LinkedHashMap<>();
        List<DateParam> dates = new ArrayList<>();
        if (query != null) {
            for (Map.Entry<String, String[]> parameter : UrlUtil.parseQueryString(query).entrySet()) {
                String name = parameter.getKey();
                if (type.tokenParameters().contains(name)) {
                    for (String value : parameter.getValue()) {
                        if (value.isBlank()) {
                            throw refused(type, name + " with no value");
                        }
                        passThrough.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
                    }
                } else if (type.dateSearch() && name.equals(type.dateParameter())) {
                    for (String value : parameter.getValue()) {
                        dates.add(date(type, value));
                    }
                } else {
                    throw refused(type, name.contains(":") ? "the modifier of " + name : name);
                }
            }
        }
        if (since != null) {
            passThrough.put("_lastUpdated", List.of("ge" + DateTimeFormatter.ISO_INSTANT.format(since)));
        }
        if (dates.size() > 2) {
            throw refused(type, "more than two date values");
        }
        if (dates.size() == 2 && dates.stream().anyMatch(d -> d.getPrefix() == null
                || d.getPrefix() == ParamPrefixEnum.EQUAL)) {
            throw refused(type, "two date values that are not a range");
        }
        // Each date value must hold, judged by the search's own matcher on the released, shifted date.
        Predicate<Resource> released = dates.isEmpty() ? null
                : r -> dates.stream().allMatch(d -> ReleasedMatch.date(type, r, List.of(d)));
        return new SearchCriteria(null, null, passThrough, released);
    }

    private static DateParam date(BrokeredType type, String value) {
        DateParam date;
        try {
            date = new DateParam(value);
        } catch (RuntimeException e) {
            throw new InvalidRequestException("The _typeFilter for " + type.name() + " has a malformed date: " + value
                    + ".");
        }
        if (date.getValue() == null || (date.getPrefix() != null && !DATE_PREFIXES.contains(date.getPrefix()))) {
            throw refused(type, type.dateParameter() + "=" + value);
        }
        return date;
    }

    private static InvalidRequestException refused(BrokeredType type, String what) {
        List<String> answered = new ArrayList<>(type.tokenParameters());
        if (type.dateSearch()) {
            answered.add(type.dateParameter());
        }
        String by = answered.isEmpty() ? "nothing" : answered.size() == 1 ? answered.get(0)
                : String.join(", ", answered.subList(0, answered.size() - 1)) + " and " + answered.get(answered.size() - 1);
        return new InvalidRequestException("The _typeFilter for " + type.name() + " cannot be answered exactly: "
                + what + ". An export filters " + type.name() + " by " + by
                + (type.dateSearch() ? " (dates with eq, gt, ge, lt or le)." : "."));
    }

    /**
     * The element names HAPI's encoder keeps for a type under {@code _elements}: those asked for it (as
     * {@code Type.element} or plain {@code element}), its id, and every element the type must have, so that
     * what goes out is still a valid resource. Null when the type is to go whole.
     */
    static Set<String> elements(FhirContext fhir, String type, List<String> asked) {
        if (asked.isEmpty()) {
            return null;
        }
        Set<String> kept = new LinkedHashSet<>();
        kept.add(type + ".id");
        for (BaseRuntimeChildDefinition child : fhir.getResourceDefinition(type).getChildren()) {
            if (child.getMin() > 0) {
                kept.add(type + "." + child.getElementName());
            }
        }
        for (String element : asked) {
            int dot = element.indexOf('.');
            if (dot < 0) {
                kept.add(type + "." + element);
            } else if (element.substring(0, dot).equals(type)) {
                kept.add(element);
            }
        }
        return kept;
    }

    /** Whether {@code element} names a top-level element of one of the types (checked at kick-off). */
    static boolean knownElement(FhirContext fhir, List<String> types, String element) {
        int dot = element.indexOf('.');
        String typePart = dot < 0 ? null : element.substring(0, dot);
        String name = dot < 0 ? element : element.substring(dot + 1);
        if (name.isEmpty() || name.contains(".")) {
            return false;
        }
        return types.stream().filter(t -> typePart == null || t.equals(typePart))
                .anyMatch(t -> fhir.getResourceDefinition(t).getChildByName(name) != null
                        || fhir.getResourceDefinition(t).getChildByName(name + "[x]") != null);
    }
}
