package org.mydata.operator.gateway.statistics;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.demo.DemoFhirSource;

/** The bundled Synthea population, each person's resources under their Patient id, parsed once per test run. */
final class SyntheaPersons {
    private static final Pattern PATIENT = Pattern.compile("\"reference\":\"Patient/([^\"]+)\"");
    private static Map<String, List<Resource>> loaded;

    private SyntheaPersons() {
    }

    static synchronized Map<String, List<Resource>> byPatient(FhirContext fhir) {
        if (loaded != null) {
            return loaded;
        }
        IParser parser = fhir.newJsonParser();
        Map<String, List<Resource>> persons = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(DemoFhirSource.class.getResourceAsStream(DemoFhirSource.DATASET)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String owner;
                if (line.startsWith("{\"resourceType\":\"Patient\"")) {
                    owner = line.substring(line.indexOf("\"id\":\"") + 6, line.indexOf('"', line.indexOf("\"id\":\"") + 6));
                } else {
                    Matcher m = PATIENT.matcher(line);
                    if (!m.find()) {
                        continue; // organisations, practitioners, locations belong to nobody
                    }
                    owner = m.group(1);
                }
                persons.computeIfAbsent(owner, x -> new ArrayList<>()).add((Resource) parser.parseResource(line));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        loaded = persons;
        return persons;
    }

    static List<Resource> all(FhirContext fhir, String type) {
        return byPatient(fhir).values().stream().flatMap(List::stream).filter(r -> r.fhirType().equals(type)).toList();
    }
}
