package org.mydata.operator.gateway.pseudonym;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.util.FhirTerser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.permit.Permits.PseudonymKey;

class PseudonymiserTest {
    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final UUID SOURCE = UUID.fromString("6f1c2a3e-0000-4000-8000-000000000001");
    private static final UUID ACCOUNT = UUID.fromString("6f1c2a3e-0000-4000-8000-000000000002");
    private static List<Resource> dataset;

    private final Pseudonymiser pseudonymiser = new Pseudonymiser(new PseudonymKey(new byte[32]));

    @BeforeAll
    static void load() throws IOException {
        IParser parser = FHIR.newJsonParser();
        dataset = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                PseudonymiserTest.class.getResourceAsStream(DemoFhirSource.DATASET)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                dataset.add((Resource) parser.parseResource(line));
            }
        }
    }

    /**
     * HAPI's FhirTerser is the reference for "every element": over every resource of the demo dataset,
     * the pseudonymiser's own walk must give byte for byte what three terser walks give.
     */
    @Test
    void walksEveryElementTheTerserFinds() {
        IParser parser = FHIR.newJsonParser();
        FhirTerser terser = FHIR.newTerser();
        int shift = pseudonymiser.dayShift(ACCOUNT);
        int references = 0;
        int dates = 0;
        for (Resource original : dataset) {
            Resource byWalk = pseudonymiser.apply(original.copy(), SOURCE, ACCOUNT);

            Resource byTerser = original.copy();
            pseudonymiser.strip(byTerser, SOURCE);
            for (Reference reference : terser.getAllPopulatedChildElementsOfType(byTerser, Reference.class)) {
                String target = reference.getReference();
                reference.setDisplay(null).setIdentifier(null);
                String[] parts = target == null ? new String[0] : target.split("/");
                reference.setReference(parts.length == 2 && !target.contains(":")
                        ? parts[0] + "/" + pseudonymiser.id(parts[0], SOURCE, parts[1]) : null);
                references++;
            }
            for (Identifier identifier : terser.getAllPopulatedChildElementsOfType(byTerser, Identifier.class)) {
                identifier.setValue(null).setSystem(null).setAssigner(null).setType(null);
            }
            for (BaseDateTimeType date : terser.getAllPopulatedChildElementsOfType(byTerser, BaseDateTimeType.class)) {
                if (date.getValue() != null) {
                    date.add(Calendar.DATE, shift);
                    dates++;
                }
            }
            assertThat(parser.encodeResourceToString(byWalk))
                    .as(original.getIdElement().toUnqualifiedVersionless().getValue())
                    .isEqualTo(parser.encodeResourceToString(byTerser));
        }
        assertThat(dataset).hasSizeGreaterThan(10_000);
        assertThat(references).isGreaterThan(dataset.size());
        assertThat(dates).isGreaterThan(dataset.size());
    }

    @Test
    void releasesNoSourceIdIdentifierOrOriginalDate() {
        IParser parser = FHIR.newJsonParser();
        FhirTerser terser = FHIR.newTerser();
        for (Resource original : dataset.subList(0, 2_000)) {
            List<String> originalDates = terser.getAllPopulatedChildElementsOfType(original, BaseDateTimeType.class)
                    .stream().map(BaseDateTimeType::getValueAsString).toList();
            String id = original.getIdElement().getIdPart();
            String out = parser.encodeResourceToString(pseudonymiser.apply(original.copy(), SOURCE, ACCOUNT));
            assertThat(out).doesNotContain(id).doesNotContain("\"identifier\"").doesNotContain("\"text\":{");
            for (String date : originalDates) {
                assertThat(out).doesNotContain("\"" + date + "\"");
            }
        }
    }
}
