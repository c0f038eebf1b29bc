package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.RecordHash;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceAuth;

class ConsentTextTest {
    private static final Programme PROGRAMME = new Programme(UUID.randomUUID(), "Heart study", "d",
            "University Heart Research", List.of(Purpose.SCIENTIFIC_RESEARCH), DataScope.ofTypes(List.of("Observation")),
            URI.create("https://research.example/heart/terms"), "2.1", List.of("s"), Instant.EPOCH);
    private static final List<FhirSource> SOURCES = List.of(
            new FhirSource(UUID.randomUUID(), "Hospital A", URI.create("https://a.example"), new SourceAuth.None(),
                    Instant.EPOCH),
            new FhirSource(UUID.randomUUID(), "Wellness B", URI.create("https://b.example"), new SourceAuth.None(),
                    Instant.EPOCH));
    private static final List<AccessMode> BOTH = List.of(AccessMode.STATISTICS, AccessMode.RECORDS);
    private static final LocalDate FROM = LocalDate.parse("2015-01-01");
    private static final LocalDate UNTIL = LocalDate.parse("2024-12-31");

    private static String render(DataScope scope, Instant validUntil) {
        return ConsentText.render(PROGRAMME, List.of(Purpose.ACADEMIC_RESEARCH, Purpose.DATA_ALTRUISM), scope, SOURCES,
                validUntil, BOTH);
    }

    @Test
    void theTextSaysExactlyWhatIsConsentedTo() {
        assertThat(render(new DataScope(List.of("Observation", "Condition"), FROM, UNTIL),
                Instant.parse("2026-03-01T10:00:00Z"))).isEqualTo("""
                I consent to share my health data with the data-donor programme "Heart study" run by University Heart Research.
                Purposes: academic research (dpv:AcademicResearch), data donation for the common good (dpv:DataAltruism).
                Data: Observation, Condition, recorded from 2015-01-01 until 2024-12-31.
                Researchers may receive statistics about groups of people and, under a records permit, my data as \
                pseudonymised records: my name and identifiers replaced by codes, still data about me.
                From: Hospital A, Wellness B.
                Until: 2026-03-01T10:00:00Z.
                Terms: https://research.example/heart/terms version 2.1.
                Researchers receive my data only under a permit the programme's stewards approve, with my name \
                and identifiers removed. I can pause or withdraw this consent at any time; withdrawal is final.
                """);
    }

    @Test
    void theDataLineReadsWellForEveryKindOfPeriod() {
        assertThat(render(DataScope.ofTypes(List.of("Observation")), null))
                .contains("\nData: Observation.\n")
                .contains("\nUntil: I withdraw this consent.\n");
        assertThat(render(new DataScope(List.of("Observation"), FROM, UNTIL), null))
                .contains("\nData: Observation, recorded from 2015-01-01 until 2024-12-31.\n");
        assertThat(render(new DataScope(List.of("Observation"), FROM, null), null))
                .contains("\nData: Observation, recorded from 2015-01-01.\n");
        assertThat(render(new DataScope(List.of("Observation"), null, UNTIL), null))
                .contains("\nData: Observation, recorded until 2024-12-31.\n");
    }

    @Test
    void theSameChoicesGiveTheSameTextAndEveryChoiceChangesIt() {
        DataScope scope = new DataScope(List.of("Observation"), FROM, null);
        String text = render(scope, null);
        assertThat(render(new DataScope(List.of("Observation"), FROM, null), null)).isEqualTo(text);
        assertThat(RecordHash.sha256(render(scope, null))).isEqualTo(RecordHash.sha256(text));

        assertThat(render(scope, Instant.parse("2026-03-01T10:00:00Z"))).isNotEqualTo(text);
        assertThat(render(new DataScope(List.of("Observation", "Condition"), FROM, null), null)).isNotEqualTo(text);
        assertThat(render(new DataScope(List.of("Observation"), FROM.plusDays(1), null), null)).isNotEqualTo(text);
        assertThat(ConsentText.render(PROGRAMME, List.of(Purpose.ACADEMIC_RESEARCH), scope, SOURCES, null,
                BOTH)).isNotEqualTo(text);
        assertThat(ConsentText.render(PROGRAMME, List.of(Purpose.ACADEMIC_RESEARCH, Purpose.DATA_ALTRUISM), scope,
                SOURCES.subList(0, 1), null, BOTH)).isNotEqualTo(text);
        assertThat(ConsentText.render(PROGRAMME, List.of(Purpose.ACADEMIC_RESEARCH, Purpose.DATA_ALTRUISM), scope,
                SOURCES, null, List.of(AccessMode.STATISTICS))).isNotEqualTo(text)
                .contains("\nResearchers may receive only statistics: counts and other answers about groups of "
                        + "people, never records about me.\n");
    }

    @Test
    void recordHashIsBase64UrlSha256WithoutPadding() {
        // FIPS 180-2 test vector for "abc"
        assertThat(RecordHash.sha256("abc")).isEqualTo("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
        assertThat(RecordHash.sha256("")).isEqualTo("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
        // UTF-8, not the platform charset
        assertThat(RecordHash.sha256("Jyväskylä")).hasSize(43).doesNotContain("=", "+", "/");
    }
}
