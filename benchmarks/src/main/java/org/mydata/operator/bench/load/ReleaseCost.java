package org.mydata.operator.bench.load;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.util.FhirTerser;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.pseudonym.ReleasePlan;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.permit.Permits.PseudonymKey;
import org.mydata.operator.programme.DataScope;

/**
 * The gateway's release path taken apart, per resource, on one thread of the driver's JVM with the thread's own
 * CPU clock (so that other processes on a shared machine change the figures little): HAPI's parse and encode, the
 * pseudonymiser, and the pieces the gateway's profile showed beside them (HAPI's bundle factory walking every
 * entry with its terser for embedded resources; the terser reading a search parameter's path; gzip of the answer
 * at HAPI's level). Over the demo dataset's Observations, each step timed over the whole list after a warm-up.
 * No operator is needed: {@code Driver release-cost --out DIR}. Run against an older build's fhir-gateway jar
 * first on the class path to see what a change of the pseudonymiser bought.
 */
final class ReleaseCost {
    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final UUID ACCOUNT = UUID.fromString("00000000-0000-0000-0000-000000000001");
    private static final UUID SOURCE = UUID.fromString("00000000-0000-0000-0000-000000000002");
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ReleaseCost() {
    }

    static void run(Driver.Ctx ctx) throws IOException {
        List<String> lines = new ArrayList<>();
        Set<String> codes = new HashSet<>();
        IParser parser = FHIR.newJsonParser();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                DemoFhirSource.class.getResourceAsStream(DemoFhirSource.DATASET)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.contains("\"resourceType\":\"Observation\"")) {
                    lines.add(line);
                    for (Coding c : FHIR.newTerser().getAllPopulatedChildElementsOfType(parser.parseResource(line),
                            Coding.class)) {
                        codes.add(c.getSystem() + "|" + c.getCode());
                    }
                }
            }
        }
        ReleasePlan plan = new ReleasePlan(1, 2026, new ReleasePlan.Scheme(1, true, true, true),
                Map.of(ACCOUNT, new ReleasePlan.PersonPlan(1950, Set.of())), codes, Map.of(),
                new ReleasePlan.Figures(1, 0, 0, 0, 0, 1, 0, 0, 0, 0));
        Pseudonymiser pseudonymiser = new Pseudonymiser(new PseudonymKey(new byte[32]), BrokeredTypes.names(),
                DataScope.DEFAULT_OBSERVATION_CATEGORIES, plan, Clock.systemUTC());
        FhirTerser terser = FHIR.newTerser();
        int rounds = ctx.quick() ? 3 : 8;
        Map<String, Double> us = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            boolean last = round == rounds - 1;
            List<Resource> parsed = new ArrayList<>(lines.size());
            step(us, last, "parse", lines.size(), () -> lines.forEach(l -> parsed.add((Resource) parser.parseResource(l))));
            List<Resource> released = new ArrayList<>(parsed.size());
            step(us, last, "pseudonymise", parsed.size(), () -> parsed.forEach(r -> pseudonymiser.apply(r,
                    new Pseudonymiser.Person(ACCOUNT, SOURCE, "http://source.example/fhir",
                            ((Observation) r).getSubject().getReferenceElement().getIdPart())).ifPresent(released::add)));
            step(us, last, "encode (released)", released.size(), () -> released.forEach(parser::encodeResourceToString));
            step(us, last, "bundle factory: terser walk for embedded resources", released.size(),
                    () -> released.forEach(terser::getAllResourceReferences));
            step(us, last, "search match: terser Observation.code", released.size(),
                    () -> released.forEach(r -> terser.getValues(r, "Observation.code")));
            step(us, last, "search match: model accessor code", released.size(),
                    () -> released.forEach(r -> r.getNamedProperty("code").getValues()));
            StringBuilder all = new StringBuilder();
            released.forEach(r -> all.append(parser.encodeResourceToString(r)).append('\n'));
            byte[] bytes = all.toString().getBytes(StandardCharsets.UTF_8);
            step(us, last, "gzip of the encoded answer (HAPI's level)", released.size(), () -> gzip(bytes));
            if (last) {
                ctx.metrics().put("rc.released", released.size());
                ctx.metrics().put("rc.bytes_per_resource", bytes.length / Math.max(1, released.size()));
            }
        }
        StringBuilder out = new StringBuilder("release path, CPU us per resource on one thread (" + lines.size()
                + " Observations):\n");
        us.forEach((name, v) -> {
            out.append(String.format("  %-55s %7.1f%n", name, v));
            ctx.metrics().put("rc." + name.replaceAll("[^a-z]+", "_"), v);
        });
        Progress.say("%s", out);
    }

    private static void step(Map<String, Double> us, boolean record, String name, int n, Runnable body) {
        long start = THREADS.getCurrentThreadCpuTime();
        body.run();
        double perResource = (THREADS.getCurrentThreadCpuTime() - start) / 1e3 / Math.max(1, n);
        if (record) {
            us.put(name, perResource);
        }
    }

    private static void gzip(byte[] bytes) {
        try (GZIPOutputStream zip = new GZIPOutputStream(new ByteArrayOutputStream(bytes.length / 8))) {
            zip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
