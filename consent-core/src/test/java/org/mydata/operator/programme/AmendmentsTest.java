package org.mydata.operator.programme;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.LegalBasis;

/** The narrowing/widening rule and the carrying over of a person's choices, in plain Java. */
class AmendmentsTest {
    private static final ProgrammeTerms V1 = new ProgrammeTerms(
            List.of(Purpose.fromCode("dpv:ScientificResearch").orElseThrow(),
                    Purpose.fromCode("dpv:DataAltruism").orElseThrow()),
            new DataScope(List.of("Patient", "Observation", "Condition"), LocalDate.parse("2015-01-01"), null),
            List.of(AccessMode.STATISTICS, AccessMode.RECORDS), List.of(Promise.NON_COMMERCIAL),
            List.of("steward@research.example"), URI.create("https://research.example/terms"), "1",
            LegalBasis.CONSENT, Map.of(Language.EN, new ProgrammeTexts("Heart study", "Heart health", "Uni")));

    private static ProgrammeTerms with(List<String> purposes, DataScope scope, List<AccessMode> modes,
                                       List<Promise> promises, List<String> stewards) {
        return new ProgrammeTerms(purposes == null ? V1.purposes()
                : purposes.stream().map(p -> Purpose.fromCode(p).orElseThrow()).toList(),
                scope == null ? V1.scope() : scope, modes == null ? V1.accessModes() : modes,
                promises == null ? V1.promises() : promises, stewards == null ? V1.stewards() : stewards,
                V1.termsUri(), V1.termsVersion(), V1.legalBasis(), V1.texts());
    }

    @Test
    void removingAPurposeAKindAModeOrAStewardOrShorteningThePeriodNarrows() {
        assertThat(Amendments.assess(V1, with(List.of("dpv:ScientificResearch"), null, null, null, null)).direction())
                .isEqualTo(Amendments.Direction.NARROWING);
        assertThat(Amendments.assess(V1, with(null, new DataScope(List.of("Patient", "Condition"),
                LocalDate.parse("2018-01-01"), LocalDate.parse("2030-12-31")), null, null, null)).direction())
                .isEqualTo(Amendments.Direction.NARROWING);
        assertThat(Amendments.assess(V1, with(null, null, List.of(AccessMode.STATISTICS), null, null)).direction())
                .isEqualTo(Amendments.Direction.NARROWING);
        assertThat(Amendments.assess(V1, with(null, null, null, List.of(Promise.NON_COMMERCIAL,
                Promise.RESULTS_PUBLISHED), null)).direction()).isEqualTo(Amendments.Direction.NARROWING);
        // A purpose replaced by a narrower kind of it narrows too.
        Amendments.Assessment narrower = Amendments.assess(V1, with(List.of("dpv:AcademicResearch",
                "dpv:DataAltruism"), null, null, null, null));
        assertThat(narrower.direction()).isEqualTo(Amendments.Direction.NARROWING);
        assertThat(narrower.changes().get(0).added()).containsExactly("dpv:AcademicResearch");
        assertThat(narrower.changes().get(0).removed()).containsExactly("dpv:ScientificResearch");
    }

    @Test
    void addingAPurposeAKindAModeOrAStewardLengtheningThePeriodOrDroppingAPromiseWidens() {
        ProgrammeTerms statisticsOnly = with(null, null, List.of(AccessMode.STATISTICS), null, null);
        List<ProgrammeTerms> wider = List.of(
                with(List.of("dpv:ScientificResearch", "dpv:DataAltruism", "dpv:ResearchAndDevelopment"), null, null,
                        null, null),
                with(null, new DataScope(List.of("Patient", "Observation", "Condition", "MedicationRequest"),
                        LocalDate.parse("2015-01-01"), null), null, null, null),
                with(null, new DataScope(List.of("Patient", "Observation", "Condition"), LocalDate.parse("2010-01-01"),
                        null), null, null, null),
                with(null, null, null, List.of(), null),
                with(null, null, null, null, List.of("steward@research.example", "new@pharma.example")));
        for (ProgrammeTerms after : wider) {
            assertThat(Amendments.assess(V1, after).widens()).as(after.toString()).isTrue();
        }
        assertThat(Amendments.assess(statisticsOnly, V1).widens()).isTrue();
    }

    /**
     * permitver: which widenings a release cannot intersect with a consent's own terms, so that a permit issued under
     * them reaches no consent on an earlier version: stewards, promises, texts; not purposes, kinds, period, modes.
     */
    @Test
    void aWideningOfStewardsPromisesOrTextsGoesBeyondARelease() {
        ProgrammeTerms reworded = new ProgrammeTerms(V1.purposes(), V1.scope(), V1.accessModes(), V1.promises(),
                V1.stewards(), V1.termsUri(), "2", V1.legalBasis(), V1.texts());
        for (ProgrammeTerms beyond : List.of(reworded, with(null, null, null, List.of(), null),
                with(null, null, null, null, List.of("steward@research.example", "new@pharma.example")))) {
            assertThat(Amendments.assess(V1, beyond).widensBeyondRelease()).as(beyond.toString()).isTrue();
        }
        List<ProgrammeTerms> intersected = List.of(
                with(List.of("dpv:ScientificResearch", "dpv:DataAltruism", "dpv:ResearchAndDevelopment"), null, null,
                        null, null),
                with(null, new DataScope(List.of("Patient", "Observation", "Condition", "MedicationRequest"),
                        LocalDate.parse("2010-01-01"), null), null, null, null),
                // Narrowings never go beyond a release: a steward removed, a promise added.
                with(null, null, null, List.of(Promise.NON_COMMERCIAL, Promise.RESULTS_PUBLISHED), List.of()));
        for (ProgrammeTerms after : intersected) {
            assertThat(Amendments.assess(V1, after).widensBeyondRelease()).as(after.toString()).isFalse();
        }
        assertThat(Amendments.assess(with(null, null, List.of(AccessMode.STATISTICS), null, null), V1)
                .widensBeyondRelease()).isFalse();
    }

    @Test
    void aRewordedTextWidensAndANewLanguageIsNeutral() {
        ProgrammeTerms reworded = new ProgrammeTerms(V1.purposes(), V1.scope(), V1.accessModes(), V1.promises(),
                V1.stewards(), V1.termsUri(), "2", V1.legalBasis(), V1.texts());
        assertThat(Amendments.assess(V1, reworded).widens()).isTrue();
        ProgrammeTerms translated = new ProgrammeTerms(V1.purposes(), V1.scope(), V1.accessModes(), V1.promises(),
                V1.stewards(), V1.termsUri(), V1.termsVersion(), V1.legalBasis(), Map.of(Language.EN,
                V1.texts().get(Language.EN), Language.FI, new ProgrammeTexts("Sydäntutkimus", "Sydän", "Yliopisto")));
        Amendments.Assessment neutral = Amendments.assess(V1, translated);
        assertThat(neutral.direction()).isEqualTo(Amendments.Direction.NEUTRAL);
        assertThat(neutral.changes()).extracting(Amendments.Change::field).containsExactly("texts");
        assertThat(Amendments.assess(V1, V1).changesNothing()).isTrue();
    }

    @Test
    void aPersonWhoTookAllTakesAllOfTheNewVersionAndAChoiceOfLessStaysCutToTheNewOffer() {
        ProgrammeTerms v2 = with(List.of("dpv:ScientificResearch", "dpv:ResearchAndDevelopment"),
                new DataScope(List.of("Patient", "Observation", "MedicationRequest"), LocalDate.parse("2012-01-01"),
                        null), null, null, null);
        Amendments.Choices all = new Amendments.Choices(V1.purposes(), V1.scope(), V1.accessModes());
        Amendments.Choices carried = Amendments.carry(V1, v2, all).orElseThrow();
        assertThat(carried.purposes()).isEqualTo(v2.purposes());
        assertThat(carried.scope().resourceTypes()).isEqualTo(v2.scope().resourceTypes());
        assertThat(carried.scope().dataFrom()).isEqualTo(LocalDate.parse("2012-01-01"));

        Amendments.Choices less = new Amendments.Choices(List.of(Purpose.fromCode("dpv:DataAltruism").orElseThrow(),
                Purpose.fromCode("dpv:AcademicResearch").orElseThrow()), new DataScope(List.of("Patient", "Observation"),
                LocalDate.parse("2016-01-01"), null), List.of(AccessMode.STATISTICS));
        Amendments.Choices kept = Amendments.carry(V1, v2, less).orElseThrow();
        // Data altruism is gone from the programme; academic research is a kind of scientific research, kept.
        assertThat(kept.purposes()).extracting(Purpose::code).containsExactly("dpv:AcademicResearch");
        assertThat(kept.scope().resourceTypes()).containsExactly("Patient", "Observation");
        assertThat(kept.scope().dataFrom()).isEqualTo(LocalDate.parse("2016-01-01"));
        assertThat(kept.accessModes()).containsExactly(AccessMode.STATISTICS);

        Amendments.Choices onlyAltruism = new Amendments.Choices(List.of(Purpose.fromCode("dpv:DataAltruism")
                .orElseThrow()), V1.scope(), V1.accessModes());
        assertThat(Amendments.carry(V1, v2, onlyAltruism)).isEmpty();
    }

    @Test
    void theDifferenceOfTwoTextsMarksLinesAddedAndRemovedInReadingOrder() {
        List<Amendments.DiffLine> diff = Amendments.diff("a\nb\nc\n", "a\nc\nd\n");
        assertThat(diff).extracting(d -> d.kind() + ":" + d.text())
                .containsExactly("KEPT:a", "REMOVED:b", "KEPT:c", "ADDED:d");
    }

    @Test
    void termsHashTheSameAfterARoundTripThroughJson() {
        assertThat(ProgrammeTerms.fromJson(org.mydata.operator.json.Json.read(
                org.mydata.operator.json.Json.write(V1.toJson()))).sha256()).isEqualTo(V1.sha256());
    }
}
