package org.mydata.operator.api.leakscan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The scanner itself, on a hand-made source and release: it finds each kind of leak, and no false ones. */
class ReleaseScanTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PATIENT = "{\"resourceType\":\"Patient\",\"id\":\"p-1\",\"birthDate\":\"1931-05-28\","
            + "\"name\":[{\"family\":\"Bechtelar\",\"given\":[\"Nenita\",\"Lu\"],\"prefix\":[\"Mrs.\"]}],"
            + "\"telecom\":[{\"value\":\"555-536-6601\"}],\"identifier\":[{\"value\":\"999-79-5708\"}],"
            + "\"address\":[{\"line\":[\"631 Mraz Trail\"],\"city\":\"Lehi\",\"postalCode\":\"84043\"}]}";
    private static final String OBSERVATION = "{\"resourceType\":\"Observation\",\"id\":\"o-%d\","
            + "\"meta\":{\"lastUpdated\":\"2025-06-01T00:00:00Z\"},\"subject\":{\"reference\":\"Patient/p-1\"},"
            + "\"effectiveDateTime\":\"2024-0%d-01\",\"code\":{\"coding\":[{\"display\":\"Laceration of Lehi\"}]}}";

    @Test
    void findsEachKindAsWholeTokensAndNothingInsidePseudonymsOrTerminology() throws IOException {
        SourcePopulation source = population(PATIENT, OBSERVATION.formatted(1, 1), OBSERVATION.formatted(2, 2));
        SourcePopulation.Person person = source.persons.get("p-1");
        assertThat(person.constantDatePaths()).isEqualTo(Map.of("Observation", Set.of("Observation.meta.lastUpdated")));

        ReleaseScan scan = new ReleaseScan(source, "test", Map.of("a1", person), Set.of("Patient", "Observation"));
        scan.accept(JSON.readTree("{\"resourceType\":\"Observation\",\"id\":\"0a84043b555536660199979570800001\","
                + "\"meta\":{\"lastUpdated\":\"2025-03-01T00:00:00Z\"},\"subject\":{\"reference\":\"Patient/a1\"},"
                + "\"performer\":[{\"reference\":\"Practitioner/x\"}],"
                + "\"code\":{\"coding\":[{\"display\":\"Laceration of Lehi\"}],\"text\":\"seen by Dr. Nenita\"},"
                + "\"component\":[{\"valueString\":\"631 MRAZ TRAIL, Lehi 84043\"},{\"valueString\":\"tel 555-536-6601\"},"
                + "{\"valueString\":\"SSN 999-79-5708, chart p-1, Lu\"}],\"effectiveDateTime\":\"1931-05-28T10:00:00Z\"}"));

        Map<String, Integer> hits = scan.hits();
        assertThat(hits.get(SourcePopulation.Kind.NAME_PART.label)).isEqualTo(1);
        assertThat(hits.get(SourcePopulation.Kind.ADDRESS_LINE.label)).isEqualTo(1);
        assertThat(hits.get(SourcePopulation.Kind.CITY.label)).as("not in the display, once in the text").isEqualTo(1);
        assertThat(hits.get(SourcePopulation.Kind.POSTAL_CODE.label)).as("not inside the pseudonym").isEqualTo(1);
        assertThat(hits.get(SourcePopulation.Kind.TELECOM.label)).isEqualTo(1);
        assertThat(hits.get(SourcePopulation.Kind.IDENTIFIER.label)).isEqualTo(1);
        assertThat(hits.get(SourcePopulation.Kind.LOGICAL_ID.label)).isEqualTo(1);
        assertThat(hits.get(ReleaseScan.birthDatesLabel())).isEqualTo(1);
        assertThat(hits.get(ReleaseScan.neverReleasedLabel())).isEqualTo(1);
        assertThat(hits.get(ReleaseScan.referencesLabel())).isEqualTo(1);
        assertThat(hits.get(ReleaseScan.shiftLabel())).isEqualTo(1);
        assertThat(hits.get(ReleaseScan.unmappedLabel())).isZero();
        assertThat(scan.report()).contains("1 name parts under 3 letters not looked for");
    }

    private static SourcePopulation population(String... lines) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        }
        return SourcePopulation.read("test", new ByteArrayInputStream(bytes.toByteArray()), line -> { });
    }
}
