package org.mydata.operator.gateway.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;

/** A _typeFilter names a type's clinical date by its R4 search parameter, as a search must. */
class ExportFiltersTest {
    private static BrokeredType type(String name) {
        return BrokeredTypes.named(name).orElseThrow();
    }

    private static Observation observation(String effective) {
        return new Observation().setEffective(new DateTimeType(effective));
    }

    private static Condition condition(String onset) {
        return new Condition().setOnset(new DateTimeType(onset));
    }

    private static MedicationRequest prescription(String authoredOn) {
        return new MedicationRequest().setAuthoredOnElement(new DateTimeType(authoredOn));
    }

    @Test
    void eachTypeFiltersByItsOwnDateParameter() {
        SearchCriteria observations = ExportFilters.criteria(type("Observation"), "date=ge2020-01-01", null);
        assertThat(observations.passThrough()).as("a date is judged on the shifted date, never upstream").isEmpty();
        assertThat(observations.released()).accepts(observation("2020-01-01"), observation("2021-06-01"))
                .rejects(observation("2019-12-31"));
        assertThat(ExportFilters.criteria(type("Condition"), "onset-date=ge2020-01-01", null).released())
                .accepts(condition("2020-03-01")).rejects(condition("2019-03-01"));
        assertThat(ExportFilters.criteria(type("MedicationRequest"), "authoredon=lt2021-01-01", null).released())
                .accepts(prescription("2020-12-31")).rejects(prescription("2021-01-01"), prescription("2022-05-05"));
    }

    @Test
    void aRangeOfTwoDatesKeepsWhatLiesInBoth() {
        SearchCriteria range = ExportFilters.criteria(type("Observation"), "date=ge2020-01-01&date=lt2021-01-01", null);
        assertThat(range.released()).accepts(observation("2020-07-01"))
                .rejects(observation("2019-07-01"), observation("2021-07-01"));
    }

    @Test
    void codesGoUpstreamAndSinceAsksForWhatChangedSince() {
        SearchCriteria criteria = ExportFilters.criteria(type("Observation"), "code=http://loinc.org|8867-4",
                Instant.parse("2024-05-01T10:00:00Z"));
        assertThat(criteria.passThrough()).containsExactly(
                Map.entry("code", List.of("http://loinc.org|8867-4")),
                Map.entry("_lastUpdated", List.of("ge2024-05-01T10:00:00Z")));
        assertThat(criteria.released()).as("no date asked, none judged").isNull();
        assertThat(criteria.ids()).isNull();
        assertThat(criteria.patients()).isNull();
        assertThat(ExportFilters.criteria(type("Observation"), null, null).passThrough()).isEmpty();
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
