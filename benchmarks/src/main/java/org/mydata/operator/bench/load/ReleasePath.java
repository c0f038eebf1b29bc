package org.mydata.operator.bench.load;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.pseudonym.ReleasePlan;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.permit.Permits.PseudonymKey;
import org.mydata.operator.programme.DataScope;

/**
 * Scenario 2b's release path in one JVM, on one thread with the thread's CPU clock, beside what the goal compares
 * it with (HAPI's parse + encode of each resource, as {@link GatewayOverhead#hapiAlone} measures it): the three
 * demo patients whose vital-signs and laboratory Observations number nearest 700 (as the demo citizens' do), each sent as the source's searchset pages
 * of 500 (as {@code NdjsonSource} writes them), parsed as the gateway's client parses them, each resource's
 * subject and clinical day read, de-identified by the {@link Pseudonymiser}, and the released resources encoded
 * in searchset Bundles of 100 as the gateway's server answers, gzipped as the client asks. No operator, database
 * or HTTP: what is left of the gateway's CPU per resource is that work, so the ratio here says what a change of
 * it buys, quickly and on a loaded machine. The two are measured alternately, round by round, so that a change of
 * load touches both.
 *
 * <p>{@code java -cp ... ReleasePath [seconds]}; with {@code -XX:StartFlightRecording} it is a profile of the path.
 */
public final class ReleasePath {
    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final UUID SOURCE = UUID.fromString("00000000-0000-0000-0000-000000000002");
    private static final String BASE = "http://127.0.0.1:1/fhir";

    private ReleasePath() {
    }

    public static void main(String[] args) throws IOException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        boolean gzip = args.length < 2 || !args[1].equals("nogzip");
        IParser parser = FHIR.newJsonParser();
        Map<String, List<String>> byPatient = new HashMap<>();
        Set<String> codes = new HashSet<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                DemoFhirSource.class.getResourceAsStream(DemoFhirSource.DATASET)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.contains("\"resourceType\":\"Observation\"")) {
                    continue;
                }
                Observation o = (Observation) parser.parseResource(line);
                boolean released = o.getCategory().stream().flatMap(c -> c.getCoding().stream())
                        .anyMatch(c -> c.getCode().equals("vital-signs") || c.getCode().equals("laboratory"));
                if (released) {
                    byPatient.computeIfAbsent(o.getSubject().getReference(), s -> new ArrayList<>()).add(line);
                    for (Coding c : FHIR.newTerser().getAllPopulatedChildElementsOfType(o, Coding.class)) {
                        codes.add(c.getSystem() + "|" + c.getCode());
                    }
                }
            }
        }
        List<String> patients = byPatient.keySet().stream()
                .sorted(Comparator.comparing((String p) -> Math.abs(byPatient.get(p).size() - 700))).limit(3).toList();
        Map<String, UUID> accounts = new LinkedHashMap<>();
        Map<UUID, ReleasePlan.PersonPlan> persons = new HashMap<>();
        List<String> lines = new ArrayList<>();
        Map<String, List<String>> pages = new LinkedHashMap<>();
        for (String p : patients) {
            UUID account = UUID.nameUUIDFromBytes(p.getBytes(StandardCharsets.UTF_8));
            accounts.put(p.substring(p.indexOf('/') + 1), account);
            persons.put(account, new ReleasePlan.PersonPlan(1950, Set.of()));
            List<String> mine = byPatient.get(p);
            lines.addAll(mine);
            List<String> bundles = new ArrayList<>();
            for (int from = 0; from < mine.size(); from += 500) {
                bundles.add(bundle(mine.subList(from, Math.min(mine.size(), from + 500))));
            }
            pages.put(p.substring(p.indexOf('/') + 1), bundles);
        }
        ReleasePlan plan = new ReleasePlan(1, 2026, new ReleasePlan.Scheme(1, true, true, true), persons, codes,
                Map.of(), new ReleasePlan.Figures(1, 0, 0, 0, 0, 1, 0, 0, 0, 0));
        Pseudonymiser pseudonymiser = new Pseudonymiser(new PseudonymKey(new byte[32]), BrokeredTypes.names(),
                DataScope.DEFAULT_OBSERVATION_CATEGORIES, plan, Clock.systemUTC());
        BrokeredType observation = BrokeredTypes.of("Observation");

        long gatewayNs = 0;
        long hapiNs = 0;
        long gatewayResources = 0;
        long hapiResources = 0;
        int rounds = 0;
        long released = 0;
        long warmUntil = System.nanoTime() + (long) (Math.min(5, seconds / 3) * 1e9);
        long until = warmUntil + (long) (seconds * 1e9);
        boolean measuring = false;
        while (!measuring || System.nanoTime() < until) {
            if (!measuring && System.nanoTime() >= warmUntil) {
                measuring = true;
                gatewayNs = hapiNs = gatewayResources = hapiResources = rounds = 0;
            }
            long t0 = THREADS.getCurrentThreadCpuTime();
            released = 0;
            for (Map.Entry<String, List<String>> e : pages.entrySet()) {
                released += gateway(pseudonymiser, observation, accounts.get(e.getKey()), e.getKey(), e.getValue(),
                        gzip);
            }
            long t1 = THREADS.getCurrentThreadCpuTime();
            IParser p = FHIR.newJsonParser();
            IParser writer = FHIR.newJsonParser();
            for (String line : lines) {
                writer.encodeResourceToString(p.parseResource(line));
            }
            long t2 = THREADS.getCurrentThreadCpuTime();
            gatewayNs += t1 - t0;
            hapiNs += t2 - t1;
            gatewayResources += released;
            hapiResources += lines.size();
            rounds++;
        }
        double g = gatewayNs / 1e3 / gatewayResources;
        double h = hapiNs / 1e3 / hapiResources;
        System.out.printf("release path (%d resources, %d released, %s): gateway %.1f us, HAPI parse+encode %.1f us "
                        + "per resource, ratio %.2f, %d rounds, load %s%n", lines.size(), released,
                gzip ? "gzip" : "no gzip", g, h, g / h, rounds,
                String.join(" ", new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg")))
                        .split(" ")).substring(0, 14));
    }

    /** One patient's search: the source's pages parsed, each resource decided and de-identified, pages of 100. */
    private static int gateway(Pseudonymiser pseudonymiser, BrokeredType type, UUID account, String surrogate,
                               List<String> sourcePages, boolean gzip) {
        IParser in = FHIR.newJsonParser();
        List<Resource> out = new ArrayList<>();
        Pseudonymiser.Person person = new Pseudonymiser.Person(account, SOURCE, BASE, surrogate);
        for (String page : sourcePages) {
            Bundle bundle = in.parseResource(Bundle.class, page);
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                Resource resource = entry.getResource();
                type.subject().apply(resource).getReference();
                type.clinicalDay(resource);
                pseudonymiser.apply(resource, person).ifPresent(out::add);
            }
        }
        IParser writer = FHIR.newJsonParser();
        for (int from = 0; from < out.size(); from += 100) {
            Bundle answer = new Bundle().setType(Bundle.BundleType.SEARCHSET).setTotal(out.size());
            answer.addLink().setRelation("self").setUrl(BASE + "/Observation?patient=" + surrogate);
            for (Resource r : out.subList(from, Math.min(out.size(), from + 100))) {
                answer.addEntry().setFullUrl(BASE + "/" + r.getIdElement().getValue()).setResource(r)
                        .getSearch().setMode(Bundle.SearchEntryMode.MATCH);
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
            try (Writer w = new OutputStreamWriter(gzip ? new GZIPOutputStream(bytes) : bytes,
                    StandardCharsets.UTF_8)) {
                writer.encodeResourceToWriter(answer, w);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out.size();
    }

    private static String bundle(List<String> lines) {
        StringBuilder out = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":")
                .append(lines.size()).append(",\"entry\":[");
        for (int i = 0; i < lines.size(); i++) {
            out.append(i > 0 ? "," : "").append("{\"resource\":").append(lines.get(i))
                    .append(",\"search\":{\"mode\":\"match\"}}");
        }
        return out.append("]}").toString();
    }
}
