package org.mydata.operator.programme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mydata.operator.failure.InvalidRequestException;

class DataScopeTest {
    private static final LocalDate Y2015 = LocalDate.parse("2015-01-01");
    private static final LocalDate Y2020 = LocalDate.parse("2020-01-01");
    private static final LocalDate Y2024_END = LocalDate.parse("2024-12-31");

    private static DataScope scope(LocalDate from, LocalDate until, String... types) {
        return new DataScope(List.of(types), from, until);
    }

    // ---------------------------------------------------------------- construction and validation

    @Test
    void typesAreDeduplicatedInTheirOrder() {
        assertThat(scope(null, null, "Observation", "Patient", "Observation").resourceTypes())
                .containsExactly("Observation", "Patient");
    }

    @Test
    void aPeriodThatEndsBeforeItStartsIsRefused() {
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> scope(Y2020, Y2015, "Observation"));
        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo("scope.dataPeriod");
        // a single day is a period
        assertThat(scope(Y2020, Y2020, "Observation").dataFrom()).isEqualTo(Y2020);
    }

    @Test
    void validatedAcceptsR4ResourceTypesOnly() {
        assertThat(scope(null, null, "Patient", "Observation", "Condition", "MedicationRequest").validated("scope"))
                .isNotNull();
        for (String bad : new String[] {"Foo", "observation", "OBSERVATION", " Observation", "", "Resource",
                "DomainResource"}) {
            InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                    () -> scope(null, null, "Patient", bad).validated("scope"));
            assertThat(e).as("'%s' refused", bad).isNotNull();
            assertThat(e.field()).isEqualTo("scope.resourceTypes");
        }
        InvalidRequestException empty = catchThrowableOfType(InvalidRequestException.class,
                () -> DataScope.ofTypes(List.of()).validated("programme.scope"));
        assertThat(empty).isNotNull();
        assertThat(empty.field()).isEqualTo("programme.scope.resourceTypes");
    }

    // ---------------------------------------------------------------- contains

    @Test
    void containsRequiresEveryType() {
        DataScope wide = scope(null, null, "Patient", "Observation", "Condition");
        assertThat(wide.contains(scope(null, null, "Observation"))).isTrue();
        assertThat(wide.contains(scope(null, null, "Condition", "Patient"))).isTrue();
        assertThat(wide.contains(wide)).isTrue();
        assertThat(wide.contains(scope(null, null, "Observation", "Encounter"))).isFalse();
        assertThat(scope(null, null, "Observation").contains(wide)).isFalse();
    }

    @Test
    void anOpenPeriodContainsAnyPeriodButABoundedOneOnlyBoundedPeriodsInside() {
        DataScope open = scope(null, null, "Observation");
        DataScope bounded = scope(Y2015, Y2024_END, "Observation");
        assertThat(open.contains(bounded)).isTrue();
        assertThat(bounded.contains(open)).isFalse();
        assertThat(bounded.contains(scope(Y2015, null, "Observation"))).as("open end").isFalse();
        assertThat(bounded.contains(scope(null, Y2024_END, "Observation"))).as("open start").isFalse();
        assertThat(bounded.contains(bounded)).as("edges are inclusive").isTrue();
        assertThat(bounded.contains(scope(Y2020, Y2020, "Observation"))).isTrue();
        assertThat(bounded.contains(scope(Y2015.minusDays(1), Y2020, "Observation"))).as("starts a day early").isFalse();
        assertThat(bounded.contains(scope(Y2020, Y2024_END.plusDays(1), "Observation"))).as("ends a day late").isFalse();

        DataScope fromOnly = scope(Y2015, null, "Observation");
        assertThat(fromOnly.contains(scope(Y2020, null, "Observation"))).isTrue();
        assertThat(fromOnly.contains(scope(Y2020, Y2024_END, "Observation"))).isTrue();
        assertThat(fromOnly.contains(scope(null, Y2020, "Observation"))).isFalse();
    }

    // ---------------------------------------------------------------- narrowsTo

    @Test
    void nothingRequestedMeansTheWholeScope() {
        DataScope programme = scope(Y2015, null, "Patient", "Observation");
        assertThat(programme.narrowsTo(null, "scope")).isEqualTo(programme);
        assertThat(programme.narrowsTo(DataScope.ofTypes(List.of()), "scope")).isEqualTo(programme);
    }

    @Test
    void aNarrowerRequestIsKeptAndInheritsTheProgrammePeriod() {
        DataScope programme = scope(Y2015, Y2024_END, "Patient", "Observation", "Condition");
        assertThat(programme.narrowsTo(DataScope.ofTypes(List.of("Observation")), "scope"))
                .isEqualTo(scope(Y2015, Y2024_END, "Observation"));
        assertThat(programme.narrowsTo(scope(Y2020, null, "Condition"), "scope"))
                .isEqualTo(scope(Y2020, Y2024_END, "Condition"));
        assertThat(programme.narrowsTo(scope(null, Y2020, "Condition"), "scope"))
                .isEqualTo(scope(Y2015, Y2020, "Condition"));
        assertThat(programme.narrowsTo(new DataScope(List.of(), Y2020, Y2020), "scope"))
                .isEqualTo(scope(Y2020, Y2020, "Patient", "Observation", "Condition"));
    }

    @Test
    void aWiderRequestIsRefusedNamingWhatItAdds() {
        DataScope programme = scope(Y2015, null, "Patient", "Observation");
        InvalidRequestException types = catchThrowableOfType(InvalidRequestException.class,
                () -> programme.narrowsTo(DataScope.ofTypes(List.of("Observation", "Encounter", "Immunization")),
                        "consent.scope"));
        assertThat(types).isNotNull();
        assertThat(types.field()).isEqualTo("consent.scope");
        assertThat(types.getMessage()).contains("Encounter", "Immunization").doesNotContain("Observation");

        InvalidRequestException period = catchThrowableOfType(InvalidRequestException.class,
                () -> programme.narrowsTo(scope(LocalDate.parse("2014-12-31"), null, "Observation"), "scope"));
        assertThat(period).isNotNull();
        assertThat(period.field()).isEqualTo("scope");
        assertThat(period.getMessage()).contains("data period");

        InvalidRequestException unknown = catchThrowableOfType(InvalidRequestException.class,
                () -> programme.narrowsTo(DataScope.ofTypes(List.of("Heartbeat")), "scope"));
        assertThat(unknown).isNotNull();
        assertThat(unknown.field()).isEqualTo("scope.resourceTypes");
        assertThat(unknown.getMessage()).contains("Heartbeat");
    }

    @Test
    void aRequestedPeriodOutsideABoundedProgrammePeriodIsRefused() {
        DataScope programme = scope(Y2015, Y2020, "Observation");
        // starts after the programme's end: the inherited end would precede the start
        assertThatThrownBy(() -> programme.narrowsTo(scope(Y2024_END, null, "Observation"), "scope"))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> programme.narrowsTo(scope(Y2015, Y2024_END, "Observation"), "scope"))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("data period");
    }

    // ---------------------------------------------------------------- JSON

    @Test
    void jsonRoundTripsWithAndWithoutAPeriod() {
        DataScope bounded = scope(Y2015, Y2024_END, "Observation", "Condition");
        assertThat(bounded.toJson()).isEqualTo(Map.of("resource_types", List.of("Observation", "Condition"),
                "data_period", Map.of("start", "2015-01-01", "end", "2024-12-31")));
        assertThat(DataScope.fromJson(bounded.toJson())).isEqualTo(bounded);

        DataScope open = DataScope.ofTypes(List.of("Patient"));
        assertThat(open.toJson()).isEqualTo(Map.of("resource_types", List.of("Patient")));
        assertThat(DataScope.fromJson(open.toJson())).isEqualTo(open);

        DataScope startOnly = scope(Y2015, null, "Patient");
        assertThat(startOnly.toJson()).containsEntry("data_period", Map.of("start", "2015-01-01"));
        assertThat(DataScope.fromJson(startOnly.toJson())).isEqualTo(startOnly);
        DataScope endOnly = scope(null, Y2020, "Patient");
        assertThat(DataScope.fromJson(endOnly.toJson())).isEqualTo(endOnly);
    }
}
