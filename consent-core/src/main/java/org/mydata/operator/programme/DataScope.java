package org.mydata.operator.programme;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mydata.operator.formats.fhir.R4ResourceTypes;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.Require;

/**
 * Which data a programme asks for, a consent releases, or a permit reads: FHIR R4 resource types and,
 * optionally, the period the data must fall in. Scopes only ever narrow: see {@link #narrowsTo}.
 *
 * @param observationCategories the Observation categories (codes of FHIR's observation-category system) whose
 *     values a records permit releases; null means {@link #DEFAULT_OBSERVATION_CATEGORIES}. Social history and
 *     survey answers (race, ethnicity, income, veteran status, violence, housing) are released only when a
 *     request names them and a steward approves it (docs/gateway.md)
 */
public record DataScope(List<String> resourceTypes, LocalDate dataFrom, LocalDate dataUntil,
                        List<String> observationCategories) {
    /** What a records permit releases of Observations when its request names no categories. */
    public static final List<String> DEFAULT_OBSERVATION_CATEGORIES = List.of("vital-signs", "laboratory");
    /** The categories of FHIR R4's observation-category code system, the only ones a scope may name. */
    public static final List<String> OBSERVATION_CATEGORIES = List.of("social-history", "vital-signs", "imaging",
            "laboratory", "procedure", "survey", "exam", "therapy", "activity");

    public DataScope(List<String> resourceTypes, LocalDate dataFrom, LocalDate dataUntil) {
        this(resourceTypes, dataFrom, dataUntil, null);
    }

    public DataScope {
        if (observationCategories != null) {
            for (String category : observationCategories) {
                if (!OBSERVATION_CATEGORIES.contains(category)) {
                    throw new InvalidRequestException("scope.observationCategories", "'" + category
                            + "' is not an observation category of FHIR R4 (" + OBSERVATION_CATEGORIES + ")");
                }
            }
            observationCategories = List.copyOf(new java.util.LinkedHashSet<>(observationCategories));
        }
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

    /** The Observation categories whose values this scope releases. */
    public List<String> releasedObservationCategories() {
        return observationCategories == null ? DEFAULT_OBSERVATION_CATEGORIES : observationCategories;
    }

    /** This scope, releasing the given Observation categories (null: the default ones). */
    DataScope withObservationCategories(List<String> categories) {
        return new DataScope(resourceTypes, dataFrom, dataUntil, categories);
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
            if (!R4ResourceTypes.isResourceType(type)) {
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
        if (observationCategories != null) {
            json.put("observation_categories", observationCategories);
        }
        return json;
    }

    @SuppressWarnings("unchecked")
    public static DataScope fromJson(Map<String, Object> json) {
        List<String> types = (List<String>) json.get("resource_types");
        Map<String, Object> period = (Map<String, Object>) json.get("data_period");
        LocalDate start = period == null || period.get("start") == null ? null : LocalDate.parse((String) period.get("start"));
        LocalDate end = period == null || period.get("end") == null ? null : LocalDate.parse((String) period.get("end"));
        return new DataScope(types, start, end, (List<String>) json.get("observation_categories"));
    }
}
