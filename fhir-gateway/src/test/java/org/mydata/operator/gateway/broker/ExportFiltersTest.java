package org.mydata.operator.gateway.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.junit.jupiter.api.Test;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;

/** A _typeFilter names a type's clinical date by its R4 search parameter, as a search must. */
class ExportFiltersTest {
    private static BrokeredType type(String name) {
        return BrokeredTypes.named(name).orElseThrow();
    }

    @Test
    void eachTypeFiltersByItsOwnDateParameter() {
        assertThat(ExportFilters.criteria(type("Observation"), "date=ge2020-01-01", null)).isNotNull();
        assertThat(ExportFilters.criteria(type("Condition"), "onset-date=ge2020-01-01", null)).isNotNull();
        assertThat(ExportFilters.criteria(type("MedicationRequest"), "authoredon=lt2021-01-01", null)).isNotNull();
    }

    @Test
    void aDateParameterR4DoesNotDefineForTheTypeIsRefusedNamingTheRightOne() {
        assertThatThrownBy(() -> ExportFilters.criteria(type("Condition"), "date=ge2020-01-01", null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("cannot be answered exactly: date")
                .hasMessageContaining("onset-date");
        assertThatThrownBy(() -> ExportFilters.criteria(type("MedicationRequest"), "date=ge2020-01-01", null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("authoredon");
        assertThatThrownBy(() -> ExportFilters.criteria(type("Condition"), "onset-date=ne2020-01-01", null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("onset-date=ne2020-01-01");
    }

    @Test
    void aRefusalNamesEveryParameterTheTypeIsFilteredBy() {
        // Encounter has no token parameter a source answers: its refusal once read "filters Encounter by  and date".
        assertThatThrownBy(() -> ExportFilters.criteria(type("Encounter"), "type=x", null))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("An export filters Encounter by date (dates with")
                .hasMessageNotContaining("by  and");
        assertThatThrownBy(() -> ExportFilters.criteria(type("Observation"), "value-concept=x", null))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("An export filters Observation by code, category and date (dates with");
    }
}
