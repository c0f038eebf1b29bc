package org.mydata.operator.statistics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.mydata.operator.programme.DisclosureSettings;
import org.mydata.operator.statistics.Aggregation.Criterion;
import org.mydata.operator.statistics.Aggregation.Grouping;
import org.mydata.operator.statistics.Aggregation.Mean;
import org.mydata.operator.statistics.Aggregation.Persons;
import org.mydata.operator.statistics.Aggregation.Quantile;
import org.mydata.operator.statistics.Aggregation.Resources;

/** The disclosure control on its own, against the attacks docs/statistics.md names. */
class StatisticsDisclosureTest {
    static final LocalDate REFERENCE = LocalDate.parse("2026-01-01");
    static final DisclosureSettings SETTINGS = DisclosureSettings.DEFAULTS;
    static final int T = SETTINGS.minimumCellSize();
    static final String PATIENT = "patient-view";
    static final String CONDITION = "condition-view";
    static final String LAB = "lab-view";
    static final Criterion DIABETES = new Criterion("conditions", CONDITION, "code", Set.of("44054006"));
    static final Grouping AGE = new Grouping("patient", PATIENT, true, "birthDate", "ageBand", Generalisation.AGE_BAND_10);
    static final Grouping SEX = new Grouping("patient", PATIENT, true, "sex", "sex", Generalisation.CODE);

    /** A synthetic population: sex, birth date, a condition code, some lab values. */
    static final class Population {
        final Random random;
        final SecureRandom keys = new SecureRandom();
        final List<PersonRows> persons = new ArrayList<>();

        Population(long seed) {
            random = new Random(seed);
        }

        PersonRows person(String sex, String birthDate, String code, double... labs) {
            Map<String, List<Map<String, Object>>> rows = new HashMap<>();
            rows.put(PATIENT, List.of(Map.of("sex", sex, "birthDate", birthDate)));
            rows.put(CONDITION, code == null ? List.of() : List.of(Map.of("code", code)));
            List<Map<String, Object>> lab = new ArrayList<>();
            for (int i = 0; i < labs.length; i++) {
                lab.add(Map.of("effective", (2019 + i % 3) + "-06-01T10:00:00+00:00", "value", BigDecimal.valueOf(labs[i])));
            }
            rows.put(LAB, lab);
            PersonRows person = new PersonRows(UUID.randomUUID(), RecordKeys.newKey(keys), rows);
            persons.add(person);
            return person;
        }

        /** Someone random: 30 to 89 years old, half with diabetes, a lab value or two. */
        PersonRows anyone() {
            int year = 1937 + random.nextInt(60);
            return person(random.nextBoolean() ? "female" : "male", year + "-0" + (1 + random.nextInt(9)) + "-15",
                    random.nextBoolean() ? "44054006" : "38341003", 5 + random.nextDouble() * 3, 5 + random.nextDouble() * 3);
        }
    }

    static Aggregation diabetesByAgeAndSex() {
        return new Aggregation(List.of(DIABETES), List.of(AGE, SEX), List.of(new Persons("persons")));
    }

    static Aggregation count() {
        return new Aggregation(List.of(DIABETES), List.of(), List.of(new Persons("persons")));
    }

    static long released(StatisticalAnswer answer) {
        return (Long) answer.value(answer.rows().get(answer.rows().size() - 1), "persons");
    }

    // ------------------------------------------------------------------------------------------ averaging

    @Test
    void askingTheSameQuestionAHundredTimesGivesOneAnswer() {
        Population population = new Population(1);
        for (int i = 0; i < 300; i++) {
            population.anyone();
        }
        Aggregation aggregation = diabetesByAgeAndSex();
        StatisticalAnswer first = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        Set<List<List<Object>>> answers = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            List<PersonRows> shuffled = new ArrayList<>(population.persons);
            Collections.shuffle(shuffled, new Random(i));
            answers.add(aggregation.answer(shuffled, SETTINGS, REFERENCE).rows());
        }
        assertThat(answers).containsExactly(first.rows());
        // and the answer is perturbed: averaging would otherwise not be needed
        long exact = population.persons.stream().filter(DIABETES::matches).count();
        assertThat(released(count().answer(population.persons, SETTINGS, REFERENCE))).isBetween(exact - 2, exact + 2);
    }

    @Test
    void theSameCellAskedThroughAnotherTableGetsTheSameNoise() {
        Population population = new Population(2);
        for (int i = 0; i < 200; i++) {
            population.anyone();
        }
        // the total of the age × sex table is the same persons as the count-only question
        StatisticalAnswer table = diabetesByAgeAndSex().answer(population.persons, SETTINGS, REFERENCE);
        StatisticalAnswer total = count().answer(population.persons, SETTINGS, REFERENCE);
        assertThat(table.rows().get(table.rows().size() - 1)).containsExactly("*", "*", released(total));
    }

    // ------------------------------------------------------------------------------------------ differencing

    @Test
    void twoCohortsThatDifferByOnePersonDoNotTellThatPersonApart() {
        Map<Long, Integer> differences = new HashMap<>();
        for (int trial = 0; trial < 400; trial++) {
            Population population = new Population(trial);
            for (int i = 0; i < 60; i++) {
                population.anyone();
            }
            List<PersonRows> without = List.copyOf(population.persons);
            population.person("female", "1960-05-05", "44054006"); // the target, added to a cohort of diabetics
            List<PersonRows> with = List.copyOf(population.persons);
            long difference = released(count().answer(with, SETTINGS, REFERENCE)) - released(count().answer(without, SETTINGS, REFERENCE));
            // the pair is fixed: asking both again gives the same difference
            assertThat(released(count().answer(with, SETTINGS, REFERENCE)) - released(count().answer(without, SETTINGS, REFERENCE)))
                    .isEqualTo(difference);
            differences.merge(difference, 1, Integer::sum);
        }
        // the difference is noise around one person, not one person: it is 1 in about a fifth of the cases
        assertThat(differences.keySet()).contains(-3L, -1L, 0L, 1L, 2L, 3L, 5L);
        assertThat(differences.get(1L)).isLessThan(400 / 3);
        double mean = differences.entrySet().stream().mapToDouble(e -> e.getKey() * e.getValue()).sum() / 400;
        assertThat(mean).isBetween(0.6, 1.4); // unbiased: the noise is zero-mean
    }

    // ------------------------------------------------------------------------------------------ threshold and table

    @Test
    void noCountIsReleasedBelowTheThresholdNorNegativeAndEveryRowOfTheTableIsZeroMean() {
        for (int threshold : new int[] {2, 5, 10, 20}) {
            for (long count = threshold; count < threshold + 10; count++) {
                int sum = 0;
                for (int bucket = 0; bucket < PerturbationTable.BUCKETS; bucket++) {
                    double key = (bucket + 0.5) / PerturbationTable.BUCKETS;
                    int noise = PerturbationTable.countNoise(count, threshold, key);
                    assertThat(count + noise).isGreaterThanOrEqualTo(threshold).isPositive();
                    assertThat(Math.abs(noise)).isLessThanOrEqualTo(2);
                    sum += noise;
                }
                assertThat(sum).isZero();
            }
        }
        assertThatThrownBy(() -> PerturbationTable.countNoise(9, 10, 0.5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCellOfFewerPersonsThanTheThresholdIsSuppressedWhateverItsKey() {
        for (int size = 1; size <= T + 3; size++) {
            Population population = new Population(size);
            for (int i = 0; i < size; i++) {
                population.person("female", "1970-01-01", "44054006");
            }
            for (int i = 0; i < 30; i++) {
                population.person("male", "1970-01-01", "38341003"); // outside the cohort
            }
            StatisticalAnswer answer = count().answer(population.persons, SETTINGS, REFERENCE);
            Object value = answer.rows().get(0).get(0);
            if (size < T) {
                assertThat(value).isNull();
                assertThat(answer.suppressed()).isEqualTo(1);
            } else {
                assertThat((Long) value).isBetween((long) T, size + 2L);
            }
        }
    }

    @Test
    void everyReleasedCountInABigTableIsAtLeastTheThreshold() {
        Population population = new Population(7);
        for (int i = 0; i < 500; i++) {
            population.anyone();
        }
        StatisticalAnswer answer = diabetesByAgeAndSex().answer(population.persons, SETTINGS, REFERENCE);
        assertThat(answer.rows()).allSatisfy(row -> {
            Object value = answer.value(row, "persons");
            assertThat(value == null || (Long) value >= T).isTrue();
        });
        assertThat(answer.protection().threshold()).isEqualTo(T);
        assertThat(answer.protection().parameters()).containsKeys("countNoise", "magnitudeMultipliers", "cellKeyBuckets");
    }

    // ------------------------------------------------------------------------------------------ margins

    @Test
    void aSuppressedCellCannotBeRecomputedFromTheMarginsOfTheSameAnswer() {
        Population population = new Population(11);
        // a table whose only small cell is women in their 50s: 3 of them, every other cell large
        for (String band : List.of("1950", "1960", "1970", "1980")) {
            for (String sex : List.of("female", "male")) {
                int n = band.equals("1970") && sex.equals("female") ? 3 : 15;
                for (int i = 0; i < n; i++) {
                    population.person(sex, band + "-03-03", "44054006");
                }
            }
        }
        StatisticalAnswer answer = diabetesByAgeAndSex().answer(population.persons, SETTINGS, REFERENCE);
        Map<List<Object>, Object> released = new HashMap<>();
        for (List<Object> row : answer.rows()) {
            released.put(List.of(row.get(0), row.get(1)), row.get(2));
        }
        assertThat(released.get(List.of("50-59", "female"))).isNull();
        // the attacker's recomputation: a margin minus the other cells of its row or column
        List<String> bands = List.of("40-49", "50-59", "60-69", "70-79");
        for (String band : bands) {
            assertRecomputationFails(released, List.of(band, "*"), List.of(List.of(band, "female"), List.of(band, "male")));
        }
        for (String sex : List.of("female", "male", "*")) {
            List<List<Object>> cells = bands.stream().<List<Object>>map(b -> List.of(b, sex)).toList();
            assertRecomputationFails(released, List.of("*", sex), cells);
        }
        // every sum relation has no suppressed value or at least two
        assertThat(answer.suppressed()).isGreaterThanOrEqualTo(4);
    }

    private static void assertRecomputationFails(Map<List<Object>, Object> released, List<Object> margin, List<List<Object>> cells) {
        long unknown = cells.stream().filter(c -> released.get(c) == null).count() + (released.get(margin) == null ? 1 : 0);
        assertThat(unknown).as("suppressed values in the relation %s = sum of %s", margin, cells).isNotEqualTo(1);
    }

    @Test
    void secondarySuppressionLeavesNoRelationWithExactlyOneSuppressedValueInRandomTables() {
        for (int seed = 0; seed < 50; seed++) {
            Population population = new Population(seed);
            for (int i = 0; i < 80 + seed * 3; i++) {
                population.anyone();
            }
            Aggregation three = new Aggregation(List.of(), List.of(AGE, SEX,
                    new Grouping("conditions", CONDITION, true, "code", "code", Generalisation.CODE)), List.of(new Persons("persons")));
            StatisticalAnswer answer = three.answer(population.persons, SETTINGS, REFERENCE);
            Map<List<Object>, Object> values = new HashMap<>();
            answer.rows().forEach(r -> values.put(r.subList(0, 3), r.get(3)));
            for (List<Object> key : values.keySet()) {
                for (int d = 0; d < 3; d++) {
                    if (key.get(d).equals("*")) {
                        continue;
                    }
                    List<Object> total = new ArrayList<>(key);
                    total.set(d, "*");
                    int dim = d;
                    long suppressed = values.entrySet().stream()
                            .filter(e -> sameExcept(e.getKey(), key, dim) && !"*".equals(e.getKey().get(dim)))
                            .filter(e -> e.getValue() == null).count() + (values.get(total) == null ? 1 : 0);
                    assertThat(suppressed).isNotEqualTo(1);
                }
            }
        }
    }

    private static boolean sameExcept(List<Object> a, List<Object> b, int d) {
        for (int i = 0; i < a.size(); i++) {
            if (i != d && !a.get(i).equals(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------ magnitudes

    @Test
    void aMeanOneValueDominatesIsSuppressedWhileTheCountsStay() {
        Population population = new Population(3);
        for (int i = 0; i < 20; i++) {
            population.person("female", "1970-01-01", "44054006", 6.0);
        }
        population.person("female", "1971-01-01", "44054006", 500.0); // 500 of 620: more than 0.6 of the sum
        Aggregation aggregation = new Aggregation(List.of(DIABETES), List.of(),
                List.of(new Persons("persons"), new Resources("labs", "lab", LAB), new Mean("mean_value", "lab", LAB, "value")));
        StatisticalAnswer answer = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        List<Object> row = answer.rows().get(0);
        assertThat(answer.value(row, "persons")).isNotNull();
        assertThat(answer.value(row, "labs")).isNotNull();
        assertThat(answer.value(row, "mean_value")).isNull();
        assertThat(answer.suppressed()).isEqualTo(1);

        population.persons.remove(population.persons.size() - 1);
        population.person("female", "1971-01-01", "44054006", 60.0); // 60 of 180: released
        StatisticalAnswer fine = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        BigDecimal mean = (BigDecimal) fine.value(fine.rows().get(0), "mean_value");
        double exact = 180.0 / 21;
        assertThat(mean.doubleValue()).isNotEqualTo(exact);
        // within one standard error of the exact mean: the multipliers are at most 1
        double sd = Math.sqrt((20 * Math.pow(6 - exact, 2) + Math.pow(60 - exact, 2)) / 20);
        assertThat(Math.abs(mean.doubleValue() - exact)).isLessThanOrEqualTo(sd / Math.sqrt(21) * 1.01).isGreaterThan(0);
    }

    @Test
    void magnitudesNeedTheThresholdOfContributingPersonsNotOfValues() {
        Population population = new Population(4);
        for (int i = 0; i < 30; i++) {
            population.person("female", "1970-01-01", "44054006"); // no lab values
        }
        for (int i = 0; i < T - 1; i++) {
            population.person("female", "1970-01-01", "44054006", 6, 6.5, 7, 7.5, 8); // many values, too few persons
        }
        Aggregation aggregation = new Aggregation(List.of(DIABETES), List.of(), List.of(new Persons("persons"),
                new Mean("mean_value", "lab", LAB, "value"), new Quantile("value_p50", "lab", LAB, "value", 0.5)));
        StatisticalAnswer answer = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        assertThat(answer.rows().get(0)).containsExactly(answer.rows().get(0).get(0), null, null);
        assertThat(answer.rows().get(0).get(0)).isNotNull();
    }

    @Test
    void quantilesCloseToTheMinimumOrMaximumCannotBeAsked() {
        assertThatThrownBy(() -> new Quantile("q", "lab", LAB, "value", 0.01)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Quantile("q", "lab", LAB, "value", 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Aggregation.quantile(new double[] {1, 2, 3, 4, 5}, 0.5)).isEqualTo(3);
        assertThat(Aggregation.quantile(new double[] {1, 2, 3, 4}, 0.5)).isEqualTo(2.5);
    }

    // ------------------------------------------------------------------------------------------ trackers

    @Test
    void aCohortOfEveryoneButAFewReleasesNothing() {
        Population population = new Population(5);
        for (int i = 0; i < 100; i++) {
            population.person("female", "1970-01-01", "44054006");
        }
        population.person("male", "1950-01-01", "38341003"); // the one left out: "everyone except him"
        StatisticalAnswer answer = count().answer(population.persons, SETTINGS, REFERENCE);
        assertThat(answer.rows().get(0)).containsOnlyNulls();
        for (int i = 0; i < T - 1; i++) {
            population.person("male", "1950-01-01", "38341003");
        }
        assertThat(count().answer(population.persons, SETTINGS, REFERENCE).rows().get(0).get(0)).isNotNull();
    }

    // ------------------------------------------------------------------------------------------ event views

    @Test
    void groupedByAnEventViewAPersonCountsOnceInEachCellTheirRowsFallIn() {
        Population population = new Population(6);
        for (int i = 0; i < 40; i++) {
            population.person("female", "1970-01-01", "44054006", 6, 7, 8); // 2019, 2020, 2021
        }
        Grouping year = new Grouping("lab", LAB, false, "effective", "year", Generalisation.YEAR);
        Aggregation aggregation = new Aggregation(List.of(), List.of(year),
                List.of(new Persons("persons"), new Resources("labs", "lab", LAB), new Mean("mean_value", "lab", LAB, "value")));
        StatisticalAnswer answer = aggregation.answer(population.persons, new DisclosureSettings(2, 0.6, 10, 5), REFERENCE);
        assertThat(answer.rows()).extracting(r -> r.get(0)).containsExactly("2019", "2020", "2021", "*");
        assertThat((Long) answer.value(answer.rows().get(0), "persons")).isBetween(38L, 42L);
        assertThat((Long) answer.value(answer.rows().get(3), "persons")).isBetween(38L, 42L);
        assertThat((Long) answer.value(answer.rows().get(3), "labs")).isBetween(118L, 122L);
        // every value in 2019 is 6: its standard deviation is 0, so the mean is exact and so is theirs
        assertThat((BigDecimal) answer.value(answer.rows().get(0), "mean_value")).isEqualByComparingTo("6");
        assertThatThrownBy(() -> new Aggregation(List.of(), List.of(year), List.of(new Mean("m", "other", "other-view", "value"))))
                .hasMessageContaining("measures must be over that view");
    }

    @Test
    void ageBandsAreTakenAtTheReferenceDateAndTopCoded() {
        assertThat(Generalisation.AGE_BAND_10.apply("1976-01-02", REFERENCE)).isEqualTo("40-49");
        assertThat(Generalisation.AGE_BAND_10.apply("1976-01-01", REFERENCE)).isEqualTo("50-59");
        assertThat(Generalisation.AGE_BAND_10.apply("1920-06-01", REFERENCE)).isEqualTo("90+");
        assertThat(Generalisation.AGE_BAND_10.apply("2020-06-01", REFERENCE)).isEqualTo("0-9");
        assertThat(Generalisation.AGE_BAND_10.apply("1976", REFERENCE)).isNull();
        assertThat(Generalisation.YEAR.apply("2019-06-01T10:00:00+00:00", REFERENCE)).isEqualTo("2019");
        assertThat(Generalisation.MONTH.apply("2019-06-01", REFERENCE)).isEqualTo("2019-06");
        assertThat(Generalisation.VALUE.apply(new BigDecimal("6.50"), REFERENCE)).isEqualTo("6.5");
    }
}
