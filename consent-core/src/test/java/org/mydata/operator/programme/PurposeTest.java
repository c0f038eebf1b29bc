package org.mydata.operator.programme;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PurposeTest {

    @Test
    void everyPurposeCoversItself() {
        for (Purpose p : Purpose.values()) {
            assertThat(p.covers(p)).as(p.code()).isTrue();
        }
    }

    @Test
    void scientificResearchCoversItsNarrowerKindsButNotTheBroaderOne() {
        assertThat(EnumSet.allOf(Purpose.class).stream().filter(Purpose.SCIENTIFIC_RESEARCH::covers).toList())
                .containsExactlyInAnyOrder(Purpose.SCIENTIFIC_RESEARCH, Purpose.ACADEMIC_RESEARCH,
                        Purpose.NON_COMMERCIAL_RESEARCH, Purpose.COMMERCIAL_RESEARCH,
                        Purpose.HEALTHCARE_SCIENTIFIC_RESEARCH);
        assertThat(Purpose.SCIENTIFIC_RESEARCH.covers(Purpose.RESEARCH_AND_DEVELOPMENT)).isFalse();
        assertThat(Purpose.SCIENTIFIC_RESEARCH.covers(Purpose.DATA_ALTRUISM)).isFalse();
    }

    @Test
    void researchAndDevelopmentCoversTheWholeResearchBranchTransitively() {
        assertThat(Purpose.RESEARCH_AND_DEVELOPMENT.covers(Purpose.ACADEMIC_RESEARCH)).isTrue();
        assertThat(Purpose.RESEARCH_AND_DEVELOPMENT.covers(Purpose.HEALTHCARE_SCIENTIFIC_RESEARCH)).isTrue();
        assertThat(Purpose.RESEARCH_AND_DEVELOPMENT.covers(Purpose.DATA_ALTRUISM)).isFalse();
    }

    @Test
    void narrowerPurposesNeverCoverBroaderOrSiblingOnes() {
        assertThat(Purpose.ACADEMIC_RESEARCH.covers(Purpose.SCIENTIFIC_RESEARCH)).isFalse();
        assertThat(Purpose.ACADEMIC_RESEARCH.covers(Purpose.RESEARCH_AND_DEVELOPMENT)).isFalse();
        assertThat(Purpose.ACADEMIC_RESEARCH.covers(Purpose.COMMERCIAL_RESEARCH)).isFalse();
        assertThat(Purpose.NON_COMMERCIAL_RESEARCH.covers(Purpose.COMMERCIAL_RESEARCH)).isFalse();
        assertThat(Purpose.HEALTHCARE_SCIENTIFIC_RESEARCH.covers(Purpose.ACADEMIC_RESEARCH)).isFalse();
        assertThat(Purpose.DATA_ALTRUISM.covers(Purpose.SCIENTIFIC_RESEARCH)).isFalse();
        assertThat(EnumSet.allOf(Purpose.class).stream().filter(Purpose.DATA_ALTRUISM::covers).toList())
                .containsExactly(Purpose.DATA_ALTRUISM);
    }

    @Test
    void codesAreDpvTermsAndRoundTrip() {
        assertThat(Purpose.fromCode("dpv:ScientificResearch")).contains(Purpose.SCIENTIFIC_RESEARCH);
        assertThat(Purpose.fromCode("dpv-health:HealthcareScientificResearch"))
                .contains(Purpose.HEALTHCARE_SCIENTIFIC_RESEARCH);
        assertThat(Purpose.fromCode("dpv:DataAltruism")).contains(Purpose.DATA_ALTRUISM);
        for (Purpose p : Purpose.values()) {
            assertThat(Purpose.fromCode(p.code())).contains(p);
            assertThat(p.code()).matches("dpv(-health)?:[A-Z][A-Za-z]+");
            assertThat(p.plainWords()).isNotBlank();
        }
        assertThat(Purpose.fromCode("dpv:scientificresearch")).isEmpty();
        assertThat(Purpose.fromCode("ScientificResearch")).isEmpty();
        assertThat(Purpose.fromCode("dpv:Marketing")).isEmpty();
    }

    @Test
    void aProgrammeAllowsItsPurposesAndNarrowerOnes() {
        Programme programme = new Programme(UUID.randomUUID(), "p", "d", "o",
                List.of(Purpose.SCIENTIFIC_RESEARCH, Purpose.DATA_ALTRUISM), DataScope.ofTypes(List.of("Observation")),
                URI.create("https://example.org/terms"), "1", List.of("s"), Instant.EPOCH);
        assertThat(programme.allowsPurpose(Purpose.SCIENTIFIC_RESEARCH)).isTrue();
        assertThat(programme.allowsPurpose(Purpose.ACADEMIC_RESEARCH)).isTrue();
        assertThat(programme.allowsPurpose(Purpose.DATA_ALTRUISM)).isTrue();
        assertThat(programme.allowsPurpose(Purpose.RESEARCH_AND_DEVELOPMENT)).isFalse();

        Programme academicOnly = new Programme(UUID.randomUUID(), "p", "d", "o", List.of(Purpose.ACADEMIC_RESEARCH),
                DataScope.ofTypes(List.of("Observation")), URI.create("https://example.org/terms"), "1", List.of("s"),
                Instant.EPOCH);
        assertThat(academicOnly.allowsPurpose(Purpose.SCIENTIFIC_RESEARCH)).isFalse();
        assertThat(academicOnly.allowsPurpose(Purpose.COMMERCIAL_RESEARCH)).isFalse();
    }

    @Test
    void upToIsTheWalkCoversDecidesBy() {
        assertThat(Purpose.ACADEMIC_RESEARCH.upTo(Purpose.RESEARCH_AND_DEVELOPMENT)).containsExactly(
                Purpose.ACADEMIC_RESEARCH, Purpose.SCIENTIFIC_RESEARCH, Purpose.RESEARCH_AND_DEVELOPMENT);
        assertThat(Purpose.ACADEMIC_RESEARCH.upTo(Purpose.ACADEMIC_RESEARCH)).containsExactly(Purpose.ACADEMIC_RESEARCH);
        assertThat(Purpose.SCIENTIFIC_RESEARCH.upTo(Purpose.ACADEMIC_RESEARCH)).isEmpty();
        assertThat(Purpose.ACADEMIC_RESEARCH.broader()).contains(Purpose.SCIENTIFIC_RESEARCH);
        assertThat(Purpose.DATA_ALTRUISM.broader()).isEmpty();
        for (Purpose wanted : Purpose.values()) {
            for (Purpose given : Purpose.values()) {
                assertThat(given.covers(wanted)).isEqualTo(!wanted.upTo(given).isEmpty());
            }
        }
    }
}
