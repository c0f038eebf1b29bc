package org.mydata.operator.api.rest;

import java.time.LocalDate;
import java.util.List;
import org.mydata.operator.programme.DataScope;

/** A data scope on the wire: FHIR resource types and an optional period the data must fall in. */
public record ScopeJson(List<String> resourceTypes, Period dataPeriod) {

    public record Period(LocalDate start, LocalDate end) {
    }

    public DataScope toDomain() {
        return new DataScope(resourceTypes == null ? List.of() : resourceTypes,
                dataPeriod == null ? null : dataPeriod.start(), dataPeriod == null ? null : dataPeriod.end());
    }

    public static ScopeJson of(DataScope scope) {
        return new ScopeJson(scope.resourceTypes(), scope.dataFrom() == null && scope.dataUntil() == null ? null
                : new Period(scope.dataFrom(), scope.dataUntil()));
    }
}
