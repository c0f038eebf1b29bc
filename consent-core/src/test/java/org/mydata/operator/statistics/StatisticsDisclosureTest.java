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
    void noCountIsReleasedBelowTheThresholdNorNegativeAndTheTableIsZeroMean() {
        int sum = 0;
        for (int bucket = 0; bucket < PerturbationTable.BUCKETS; bucket++) {
            int noise = PerturbationTable.countNoise((bucket + 0.5) / PerturbationTable.BUCKETS);
            assertThat(Math.abs(noise)).isLessThanOrEqualTo(2);
            sum += noise;
        }
        assertThat(sum).isZero();
        for (int threshold : new int[] {2, 5, 10, 20}) {
            for (long count = 1; count < threshold + 10; count++) {
                for (int bucket = 0; bucket < PerturbationTable.BUCKETS; bucket++) {
                    Long released = PerturbationTable.releasedCount(count, threshold, (bucket + 0.5) / PerturbationTable.BUCKETS);
                    assertThat(released == null || released >= threshold).isTrue();
                }
            }
        }
    }

    @Test
    void theThresholdIsComparedWithThePerturbedCountSoNineAgainstTenIsNoYesNoAnswer() {
        // the threshold's neighbours are perturbed too: a true count one under the threshold is released
        // for some cell keys, and a true count at the threshold is suppressed for others
        boolean underReleased = false;
        boolean atSuppressed = false;
        for (int bucket = 0; bucket < PerturbationTable.BUCKETS; bucket++) {
            double key = (bucket + 0.5) / PerturbationTable.BUCKETS;
            underReleased |= PerturbationTable.releasedCount(T - 1, T, key) != null;
            atSuppressed |= PerturbationTable.releasedCount(T, T, key) == null;
        }
        assertThat(underReleased).isTrue();
        assertThat(atSuppressed).isTrue();
        // and so in answers: over many populations, T - 1 diabetics are sometimes counted, T sometimes not
        int released = 0;
        int suppressed = 0;
        for (int seed = 0; seed < 60; seed++) {
            for (int size : new int[] {T - 1, T}) {
                Population population = new Population(seed);
                for (int i = 0; i < size; i++) {
                    population.person("female", "1970-01-01", "44054006");
                }
                for (int i = 0; i < 30; i++) {
                    population.person("male", "1970-01-01", "38341003");
                }
                boolean absent = count().answer(population.persons, SETTINGS, REFERENCE).rows().isEmpty();
                if (size == T - 1 && !absent) {
                    released++;
                }
                if (size == T && absent) {
                    suppressed++;
                }
            }
        }
        assertThat(released).isPositive();
        assertThat(suppressed).isPositive();
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
            if (size < T - 2) {
                assertThat(answer.rows()).isEmpty(); // a suppressed cell is absent
                assertThat(answer.suppressed()).isEqualTo(1);
            } else if (!answer.rows().isEmpty()) {
                assertThat((Long) answer.rows().get(0).get(0)).isBetween((long) T, size + 2L);
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
            // every cell that occurs, released or not: a suppressed cell is absent from the answer
            for (PersonRows person : population.persons) {
                Map<String, Object> patient = person.rows(PATIENT).get(0);
                List<Object> cell = List.of(AGE.generalisation().apply(patient.get("birthDate"), REFERENCE),
                        patient.get("sex"), person.rows(CONDITION).get(0).get("code"));
                for (int mask = 0; mask < 8; mask++) {
                    List<Object> margin = new ArrayList<>(cell);
                    for (int d = 0; d < 3; d++) {
                        if ((mask & (1 << d)) != 0) {
                            margin.set(d, "*");
                        }
                    }
                    values.put(margin, null);
                }
            }
            answer.rows().forEach(r -> {
                assertThat(values).containsKey(r.subList(0, 3));
                values.put(r.subList(0, 3), r.get(3));
            });
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
                List.of(new Persons("persons"), new Resources("labs", "lab", LAB), new Mean("mean_value", "lab", LAB, "value"),
                        new Aggregation.Sum("sum_value", "lab", LAB, "value")));
        StatisticalAnswer answer = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        List<Object> row = answer.rows().get(0);
        assertThat(answer.value(row, "persons")).isNotNull();
        assertThat(answer.value(row, "labs")).isNotNull();
        assertThat(answer.value(row, "mean_value")).isNull();
        assertThat(answer.value(row, "sum_value")).isNull();
        assertThat(answer.suppressed()).isEqualTo(2);

        population.persons.remove(population.persons.size() - 1);
        population.person("female", "1971-01-01", "44054006", 60.0); // 60 of 180: released
        StatisticalAnswer fine = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        BigDecimal mean = (BigDecimal) fine.value(fine.rows().get(0), "mean_value");
        double exact = 180.0 / 21;
        assertThat(mean.doubleValue()).isNotEqualTo(exact);
        // within one standard error of the exact mean: the multipliers are at most 1
        double sd = Math.sqrt((20 * Math.pow(6 - exact, 2) + Math.pow(60 - exact, 2)) / 20);
        assertThat(Math.abs(mean.doubleValue() - exact)).isLessThanOrEqualTo(sd / Math.sqrt(21) * 1.01).isGreaterThan(0);
        BigDecimal sum = (BigDecimal) fine.value(fine.rows().get(0), "sum_value");
        assertThat(Math.abs(sum.doubleValue() - 180)).isLessThanOrEqualTo(sd * Math.sqrt(21) * 1.01).isGreaterThan(0);
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
    void aSuppressedCellIsAbsentSoItsGroupValuesDoNotTellThatItsCombinationOccurs() {
        Population population = new Population(12);
        for (int i = 0; i < 40; i++) {
            population.person(i % 2 == 0 ? "female" : "male", "1970-01-01", "44054006");
        }
        population.person("female", "1931-02-02", "44054006"); // the only one in her 90s
        StatisticalAnswer answer = diabetesByAgeAndSex().answer(population.persons, SETTINGS, REFERENCE);
        assertThat(answer.rows()).noneMatch(row -> "90+".equals(row.get(0)));
        assertThat(answer.rows()).allSatisfy(row -> assertThat(row.get(2)).isNotNull());
        assertThat(answer.suppressed()).isPositive();
    }

    @Test
    void aValueThatIsNotANumberIsMissingNotAnError() {
        Population population = new Population(13);
        for (int i = 0; i < 30; i++) {
            population.person("female", "1970-01-01", "44054006", 6, 7);
        }
        Map<String, List<Map<String, Object>>> rows = new HashMap<>();
        rows.put(PATIENT, List.of(Map.of("sex", "female", "birthDate", "1970-01-01")));
        rows.put(CONDITION, List.of(Map.of("code", "44054006")));
        rows.put(LAB, List.of(Map.of("effective", "2019-06-01", "value", "high")));
        population.persons.add(new PersonRows(UUID.randomUUID(), 0.5, rows));
        Aggregation aggregation = new Aggregation(List.of(DIABETES), List.of(), List.of(new Mean("mean_value", "lab", LAB, "value")));
        StatisticalAnswer answer = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        assertThat(((BigDecimal) answer.rows().get(0).get(0)).doubleValue()).isBetween(6.0, 7.0);
    }

    @Test
    void magnitudesNeedTheThresholdOfPersonsWhoseContributionIsNotZero() {
        Population population = new Population(14);
        for (int i = 0; i < 30; i++) {
            population.person("female", "1970-01-01", "44054006", 0);
        }
        population.person("female", "1970-01-01", "44054006", 7); // the one person whose value is not zero
        Aggregation aggregation = new Aggregation(List.of(DIABETES), List.of(), List.of(new Persons("persons"),
                new Aggregation.Sum("sum_value", "lab", LAB, "value"), new Mean("mean_value", "lab", LAB, "value")));
        StatisticalAnswer answer = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        assertThat(answer.rows().get(0).get(0)).isNotNull();
        assertThat(answer.rows().get(0).subList(1, 3)).containsOnlyNulls();
        // and a cell whose values do not spread still gets noise, not its exact mean
        for (int i = 0; i < T + 5; i++) {
            population.person("female", "1970-01-01", "44054006", 5);
        }
        population.persons.removeIf(p -> p.rows(LAB).stream().anyMatch(r -> ((BigDecimal) r.get("value")).signum() == 0
                || ((BigDecimal) r.get("value")).intValue() == 7));
        StatisticalAnswer flat = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        assertThat((BigDecimal) flat.rows().get(0).get(2)).isNotEqualByComparingTo("5");
        assertThat((BigDecimal) flat.rows().get(0).get(1)).isNotEqualByComparingTo(String.valueOf(5 * (T + 5)));
    }

    @Test
    void quantilesAreOverPersonsSoOnePersonWithManyReadingsDoesNotMoveThem() {
        Population population = new Population(15);
        for (int i = 0; i < 20; i++) {
            population.person("female", "1970-01-01", "44054006", 5);
        }
        population.person("female", "1970-01-01", "44054006", 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6); // 12 readings
        Aggregation aggregation = new Aggregation(List.of(DIABETES), List.of(),
                List.of(new Quantile("value_p75", "lab", LAB, "value", 0.75)));
        StatisticalAnswer answer = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        // over rows the 75th percentile would be 6; over persons it is 5, give or take the noise
        assertThat(((BigDecimal) answer.rows().get(0).get(0)).doubleValue()).isBetween(4.7, 5.3);
    }

    @Test
    void aResourcesCountOnePersonDominatesIsSuppressed() {
        Population population = new Population(16);
        for (int i = 0; i < 15; i++) {
            population.person("female", "1970-01-01", "44054006", 5);
        }
        double[] many = new double[60];
        java.util.Arrays.fill(many, 5);
        population.person("female", "1970-01-01", "44054006", many);
        Aggregation aggregation = new Aggregation(List.of(DIABETES), List.of(),
                List.of(new Persons("persons"), new Resources("labs", "lab", LAB)));
        StatisticalAnswer answer = aggregation.answer(population.persons, SETTINGS, REFERENCE);
        assertThat(answer.rows().get(0).get(0)).isNotNull();
        assertThat(answer.rows().get(0).get(1)).isNull();
    }

    @Test
    void quantilesCloseToTheMinimumOrMaximumCannotBeAsked() {
        assertThatThrownBy(() -> new Quantile("q", "lab", LAB, "value", 0.01)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Quantile("q", "lab", LAB, "value", 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Aggregation.quantile(new double[] {1, 2, 3, 4, 5}, 0.5)).isEqualTo(3);
        assertThat(Aggregation.quantile(new double[] {1, 2, 3, 4}, 0.5)).isEqualTo(2.5);
        assertThat(Aggregation.round(6200.2).toString()).isEqualTo("6200");
        assertThat(Aggregation.round(6.23456).toString()).isEqualTo("6.235");
        assertThat(Aggregation.round(0.0).toString()).isEqualTo("0");
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
        assertThat(answer.rows()).isEmpty();
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
        // every value in 2019 is 6: its standard deviation is 0, yet the mean is not exact (the noise floor)
        BigDecimal mean2019 = (BigDecimal) answer.value(answer.rows().get(0), "mean_value");
        assertThat(mean2019).isNotEqualByComparingTo("6");
        assertThat(Math.abs(mean2019.doubleValue() - 6)).isLessThanOrEqualTo(6 * PerturbationTable.MAGNITUDE_FLOOR_SHARE * 1.01);
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
