package org.mydata.operator.gateway.pseudonym;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The release plan's computation, on cohorts made here: k holds for every class and code, with least loss. */
class ReleasePlanTest {
    private static final LocalDate TODAY = LocalDate.parse("2026-12-07");
    private static final String SNOMED = "http://snomed.info/sct";
    private static final String ICD10 = "http://hl7.org/fhir/sid/icd-10";

    private static ReleasePlan.Surveyed person(int i, String born, String sex, boolean dead, Set<String> codes) {
        return new ReleasePlan.Surveyed(new UUID(0, i), born == null ? null : LocalDate.parse(born), sex, dead, "US",
                codes, Set.of());
    }

    /** Every released class of the plan (as the released Patient shows it) and its size. */
    private static Map<List<Object>, Integer> classes(ReleasePlan plan, List<ReleasePlan.Surveyed> cohort) {
        Map<List<Object>, Integer> classes = new HashMap<>();
        for (ReleasePlan.Surveyed p : cohort) {
            ReleasePlan.PersonPlan mine = plan.persons().get(p.accountId());
            int[] band = plan.band(p.accountId());
            boolean shown = !mine.suppressed();
            List<Object> key = List.of(band == null ? "-" : band[0] + "-" + band[1],
                    shown && plan.scheme().sex() ? String.valueOf(p.sex()) : "-",
                    shown && plan.scheme().deceased() && p.deceased(),
                    shown && plan.scheme().country() ? p.country() : "-");
            classes.merge(key, 1, Integer::sum);
        }
        return classes;
    }

    @Test
    void aCohortWhereEveryYearAndSexIsSharedIsReleasedAsItIs() {
        List<ReleasePlan.Surveyed> cohort = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            cohort.add(person(i, (1980 + i % 2) + "-0" + (1 + i % 9) + "-1" + i % 10, i % 4 < 2 ? "female" : "male",
                    false, Set.of(SNOMED + "|44054006")));
        }
        ReleasePlan plan = ReleasePlan.of(cohort, 5, TODAY);
        assertThat(plan.scheme()).isEqualTo(new ReleasePlan.Scheme(1, true, true, true));
        assertThat(plan.figures().uniqueAfter()).isZero();
        assertThat(plan.codes()).containsExactly(SNOMED + "|44054006");
        assertThat(classes(plan, cohort).values()).allMatch(n -> n >= 5);
    }

    @Test
    void birthYearsAreBandedAnchoredAtTheTopCodeUntilEveryClassHoldsK() {
        Random random = new Random(21);
        for (int round = 0; round < 30; round++) {
            int k = 2 + random.nextInt(6);
            List<ReleasePlan.Surveyed> cohort = new ArrayList<>();
            int n = 10 + random.nextInt(90);
            for (int i = 0; i < n; i++) {
                String born = random.nextInt(40) == 0 ? null
                        : LocalDate.of(1920 + random.nextInt(106), 1 + random.nextInt(12), 1 + random.nextInt(28)).toString();
                cohort.add(person(i, born, random.nextBoolean() ? "female" : "male", random.nextInt(5) == 0, Set.of()));
            }
            ReleasePlan plan = ReleasePlan.of(cohort, k, TODAY);
            assertThat(classes(plan, cohort).values()).as("round %d, k %d", round, k).allMatch(c -> c >= k);
            for (ReleasePlan.Surveyed p : cohort) {
                int[] band = plan.band(p.accountId());
                if (band != null) {
                    assertThat(band[0]).as("no band implies an age over 89").isGreaterThanOrEqualTo(TODAY.getYear() - 90);
                    if (p.birthDate() != null) {
                        assertThat(Math.max(TODAY.getYear() - 90, ReleasePlan.topCodedYear(p.birthDate(), TODAY)))
                                .isBetween(band[0], band[1]);
                    }
                }
            }
            List<ReleasePlan.Surveyed> reversed = new ArrayList<>(cohort);
            java.util.Collections.reverse(reversed);
            ReleasePlan again = ReleasePlan.of(reversed, k, TODAY);
            assertThat(again.toJson()).as("the same cohort, the same plan").isEqualTo(plan.toJson());
            assertThat(ReleasePlan.fromJson(plan.toJson()).toJson()).isEqualTo(plan.toJson());
        }
    }

    @Test
    void aCohortSmallerThanKReleasesNoDemographicValueAndNoCode() {
        List<ReleasePlan.Surveyed> cohort = List.of(person(1, "1970-01-01", "female", false, Set.of(SNOMED + "|1")),
                person(2, "1970-01-01", "female", false, Set.of(SNOMED + "|1")));
        ReleasePlan plan = ReleasePlan.of(cohort, 5, TODAY);
        assertThat(plan.persons().values()).allMatch(ReleasePlan.PersonPlan::suppressed);
        assertThat(plan.codes()).isEmpty();
        assertThat(plan.figures().droppedCodes()).isEqualTo(1);
    }

    @Test
    void rareCodesAreDroppedOrGeneralisedToTheirIcd10Category() {
        List<ReleasePlan.Surveyed> cohort = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Set<String> codes = new HashSet<>();
            codes.add(SNOMED + "|38341003");
            if (i < 2) {
                codes.add(SNOMED + "|rare");
            }
            codes.add(ICD10 + "|E11." + (i % 4));          // each subcode held by 3, the category by 12
            if (i == 0) {
                codes.add(ICD10 + "|Q87.1");              // rare, and so is its category
            }
            cohort.add(person(i, "1960-05-05", i % 2 == 0 ? "female" : "male", false, codes));
        }
        ReleasePlan plan = ReleasePlan.of(cohort, 5, TODAY);
        assertThat(plan.releasedCode(SNOMED, "38341003")).isEqualTo(SNOMED + "|38341003");
        assertThat(plan.releasedCode(SNOMED, "rare")).isNull();
        assertThat(plan.releasedCode(ICD10, "E11.2")).isEqualTo(ICD10 + "|E11");
        assertThat(plan.releasedCode(ICD10, "Q87.1")).isNull();
        assertThat(plan.figures().rareCodes()).isEqualTo(6);
        assertThat(plan.figures().generalisedCodes()).isEqualTo(4);
        assertThat(plan.figures().droppedCodes()).isEqualTo(2);
        assertThat(plan.figures().uniqueWithCodesAfter()).isLessThan(plan.figures().uniqueWithCodes());
    }

    @Test
    void aWindowOfDaysAroundEachKnownDayIsGuarded() {
        org.mydata.operator.permit.PermitPseudonyms pseudonyms = new org.mydata.operator.permit.PermitPseudonyms(
                new org.mydata.operator.permit.Permits.PseudonymKey(new byte[32]));
        UUID account = new UUID(0, 7);
        LocalDate born = LocalDate.parse("1950-03-10");
        LocalDate died = LocalDate.parse("2020-12-30");
        Set<String> guarded = ReleasePlan.guardedDays(pseudonyms, account, java.util.Arrays.asList(born, null, died));
        for (int d = -3; d <= 3; d++) {
            assertThat(guarded).contains(pseudonyms.dayTag(account, born.plusDays(d)),
                    pseudonyms.dayTag(account, died.plusDays(d)));
        }
        assertThat(guarded).hasSize(14).doesNotContain(pseudonyms.dayTag(account, born.plusDays(4)),
                pseudonyms.dayTag(account, died.minusDays(4)));
    }
}
