package org.mydata.operator.export;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a researcher asked to export, as checked at kick-off.
 *
 * @param kickOff the kick-off request as the manifest repeats it
 * @param types the resource types, in the order their files are written
 * @param since only resources the source changed at or after this instant (and everything of persons who
 *     joined the cohort after it), or null for everything
 * @param typeFilters per type, the one search (a FHIR query string) its resources must match
 * @param elements the elements to keep, as {@code Type.element} or {@code element}; empty for whole resources
 */
public record ExportRequest(String kickOff, List<String> types, Instant since, Map<String, String> typeFilters,
                            List<String> elements) {

    public ExportRequest {
        Objects.requireNonNull(kickOff, "kickOff");
        types = List.copyOf(types);
        typeFilters = Map.copyOf(typeFilters);
        elements = List.copyOf(elements);
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("kickOff", kickOff);
        json.put("types", types);
        if (since != null) {
            json.put("since", since.toString());
        }
        json.put("typeFilters", typeFilters);
        json.put("elements", elements);
        return json;
    }

    @SuppressWarnings("unchecked")
    static ExportRequest fromJson(Map<String, Object> json) {
        Object since = json.get("since");
        Map<String, String> filters = new LinkedHashMap<>();
        ((Map<String, Object>) json.getOrDefault("typeFilters", Map.of()))
                .forEach((type, query) -> filters.put(type, (String) query));
        return new ExportRequest((String) json.get("kickOff"), strings(json.get("types")),
                since == null ? null : Instant.parse((String) since), filters, strings(json.get("elements")));
    }

    private static List<String> strings(Object value) {
        List<String> strings = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(v -> strings.add((String) v));
        }
        return strings;
    }
}
