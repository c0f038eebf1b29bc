package org.mydata.operator.api.rest;

import java.time.LocalDate;
import java.util.List;
import org.mydata.operator.programme.DataScope;

/**
 * A data scope on the wire: FHIR resource types, an optional period the data must fall in, and (records
 * permits) the Observation categories whose values are released, absent for the default (vital signs and
 * laboratory).
 */
public record ScopeJson(List<String> resourceTypes, Period dataPeriod, List<String> observationCategories) {

    public record Period(LocalDate start, LocalDate end) {
    }

    public DataScope toDomain() {
        return new DataScope(resourceTypes == null ? List.of() : resourceTypes,
                dataPeriod == null ? null : dataPeriod.start(), dataPeriod == null ? null : dataPeriod.end(), observationCategories);
    }

    public static ScopeJson of(DataScope scope) {
        return new ScopeJson(scope.resourceTypes(), scope.dataFrom() == null && scope.dataUntil() == null ? null
                : new Period(scope.dataFrom(), scope.dataUntil()), scope.observationCategories());
    }
}
