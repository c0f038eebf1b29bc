package org.mydata.operator.programme;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hl7.fhir.r4.model.ResourceType;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.Require;

/**
 * Which data a programme asks for, a consent releases, or a permit reads: FHIR R4 resource types and,
 * optionally, the period the data must fall in. Scopes only ever narrow: see {@link #narrowsTo}.
 */
public record DataScope(List<String> resourceTypes, LocalDate dataFrom, LocalDate dataUntil) {

    public DataScope {
        if (resourceTypes == null || resourceTypes.stream().anyMatch(Objects::isNull)) {
            throw new InvalidRequestException("scope.resourceTypes", "resourceTypes must be a list of FHIR resource "
                    + "type names, without nulls");
        }
        resourceTypes = List.copyOf(new java.util.LinkedHashSet<>(resourceTypes));
        Require.reasonableDate("scope.dataFrom", dataFrom);
        Require.reasonableDate("scope.dataUntil", dataUntil);
        if (dataFrom != null && dataUntil != null && dataUntil.isBefore(dataFrom)) {
            throw new InvalidRequestException("scope.dataPeriod", "the data period ends before it starts");
        }
    }

    public static DataScope ofTypes(List<String> resourceTypes) {
        return new DataScope(resourceTypes, null, null);
    }

    /** Checks the types against FHIR R4 and that there is at least one; {@code field} names the request field. */
    public DataScope validated(String field) {
        if (resourceTypes.isEmpty()) {
            throw new InvalidRequestException(field + ".resourceTypes", "name at least one FHIR resource type");
        }
        for (String type : resourceTypes) {
            if (!isR4ResourceType(type)) {
                throw new InvalidRequestException(field + ".resourceTypes", "'" + type + "' is not a FHIR R4 resource type");
            }
        }
        return this;
    }

    /** True when every type and the whole data period of {@code narrower} lie inside this scope. */
    public boolean contains(DataScope narrower) {
        if (!resourceTypes.containsAll(narrower.resourceTypes)) {
            return false;
        }
        boolean startInside = dataFrom == null || (narrower.dataFrom != null && !narrower.dataFrom.isBefore(dataFrom));
        boolean endInside = dataUntil == null || (narrower.dataUntil != null && !narrower.dataUntil.isAfter(dataUntil));
        return startInside && endInside;
    }

    /**
     * The scope a request for {@code requested} may have: the request itself, or this scope where the
     * request names nothing. A request wider than this scope is refused, never silently cut.
     */
    public DataScope narrowsTo(DataScope requested, String field) {
        if (requested == null) {
            return this;
        }
        DataScope candidate = new DataScope(
                requested.resourceTypes.isEmpty() ? resourceTypes : requested.resourceTypes,
                requested.dataFrom != null ? requested.dataFrom : dataFrom,
                requested.dataUntil != null ? requested.dataUntil : dataUntil).validated(field);
        if (!contains(candidate)) {
            List<String> extra = new ArrayList<>(candidate.resourceTypes);
            extra.removeAll(resourceTypes);
            throw new InvalidRequestException(field, extra.isEmpty()
                    ? "the data period is wider than the programme's"
                    : "the scope is wider than the programme's: it does not cover " + String.join(", ", extra));
        }
        return candidate;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("resource_types", resourceTypes);
        if (dataFrom != null || dataUntil != null) {
            Map<String, Object> period = new LinkedHashMap<>();
            if (dataFrom != null) {
                period.put("start", dataFrom.toString());
            }
            if (dataUntil != null) {
                period.put("end", dataUntil.toString());
            }
            json.put("data_period", period);
        }
        return json;
    }

    @SuppressWarnings("unchecked")
    public static DataScope fromJson(Map<String, Object> json) {
        List<String> types = (List<String>) json.get("resource_types");
        Map<String, Object> period = (Map<String, Object>) json.get("data_period");
        LocalDate start = period == null || period.get("start") == null ? null : LocalDate.parse((String) period.get("start"));
        LocalDate end = period == null || period.get("end") == null ? null : LocalDate.parse((String) period.get("end"));
        return new DataScope(types, start, end);
    }

    private static boolean isR4ResourceType(String type) {
        try {
            ResourceType.fromCode(type);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
