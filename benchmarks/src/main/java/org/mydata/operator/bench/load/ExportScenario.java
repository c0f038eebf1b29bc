package org.mydata.operator.bench.load;

import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.mydata.operator.link.ServiceLinks;

/**
 * Scenario 3: FHIR bulk export ({@code $export}, Prefer: respond-async, poll, manifest, NDJSON files) of a
 * permit over two cohort sizes, against its limit: the same data read straight from the source, parsed
 * and serialised to NDJSON with HAPI alone. Peak heap comes from the operator JVM's GC log, over the
 * export's window.
 *
 * <p>The full run reads a population of 2,000 Synthea patients from {@link
 * org.mydata.operator.bench.source.NdjsonSource} in its own JVM; the quick run reads the operator's bundled demo
 * source of 40, whose three demo citizens consent over REST. Every other person gets an account, a link and
 * consents written in-process with consent-core, on the operator's database and with its keystore, as a second
 * operator node would write them; the operator's log writer integrates their records like any other.
 */
final class ExportScenario {
    static final List<String> TYPES = List.of("Patient", "Observation", "Condition", "MedicationRequest", "Encounter",
            "Procedure", "Immunization", "DiagnosticReport", "AllergyIntolerance");
    private static final String[] CITIZENS = {"alice", "bob", "carol"};
    /** Seldom enough not to slow a long export much; a quick run's exports last seconds and sample faster. */
    private static final Duration FULL_GC_EVERY = Duration.ofSeconds(2);
    private static final Duration FULL_GC_EVERY_QUICK = Duration.ofMillis(500);
    private static final int SEEDERS = 4;

    private ExportScenario() {
    }

    static void run(Driver.Ctx ctx) throws Exception {
        Api api = ctx.api();
        Metrics m = ctx.metrics();
        String admin = api.admin();
        String researcher = api.researcher();
        String steward = api.steward();
        // A population of its own (run.sh: 2,000 Synthea patients served by NdjsonSource in another JVM), or the
        // operator's bundled demo source of 40.
        String sourceBase = ctx.option("source-base");
        Path dataset = sourceBase == null ? null : Path.of(ctx.require("dataset"));
        int[] sizes = ctx.option("sizes") != null
                ? Arrays.stream(ctx.option("sizes").split(",")).mapToInt(Integer::parseInt).toArray()
                : ctx.quick() ? new int[] {10, 20} : new int[] {10, 40};
        m.put("s3.sizes", sizes[0] + "," + sizes[1]);
        m.put("s3.source", sourceBase == null
                ? "the operator's in-memory demo source, whose dataset is in the heap measured"
                : "NdjsonSource in its own JVM, counted in 'other processes'");
        String source = sourceBase == null ? api.demoSourceId(admin)
                : api.registerSource(admin, "Benchmark NDJSON source", sourceBase);
        String[] programmes = new String[sizes.length];
        String[] permits = new String[sizes.length];
        for (int s = 0; s < sizes.length; s++) {
            programmes[s] = api.programme(admin, "Benchmark export " + sizes[s], TYPES);
        }
        int seedFrom = 0;
        if (sourceBase == null) {
            // The demo citizens consent as citizens do, over REST; the rest of the cohort is seeded below.
            for (String name : CITIZENS) {
                String token = api.citizen(name);
                api.ensureLinked(token, source);
                for (String p : programmes) {
                    api.consent(token, p, source);
                }
            }
            seedFrom = CITIZENS.length;
        }
        for (int s = 0; s < sizes.length; s++) {
            permits[s] = api.approvedPermit(researcher, steward, programmes[s], TYPES);
        }
        Api.Reply probe = api.get("/fhir/" + permits[0] + "/$export", researcher,
                Map.of("Prefer", "respond-async", "Accept", "application/fhir+json"));
        if (probe.status() != 202) {
            m.put("s3.available", false);
            m.put("s3.unavailable_reason", "kick-off answered HTTP " + probe.status());
            Progress.say("export: $export not available (HTTP %d)", probe.status());
            return;
        }
        api.get(probe.raw().headers().firstValue("Content-Location").orElseThrow(), researcher,
                Map.of("Accept", "application/json"));
        m.put("s3.available", true);

        int largest = sizes[sizes.length - 1];
        // On the demo source, persons nobody else has linked (a source patient belongs to one account): after the
        // consent-write scenario's.
        List<DemoPerson> persons = dataset == null
                ? DemoFhirSource.demoPersons(ConsentWrites.IN_PROCESS_PERSONS_UNTIL + largest)
                .subList(ConsentWrites.IN_PROCESS_PERSONS_UNTIL, ConsentWrites.IN_PROCESS_PERSONS_UNTIL + largest)
                : persons(dataset, largest);
        if (persons.size() < largest) {
            // The largest cohort is everyone who can be linked (a 2,000-patient population has 1,998).
            Progress.say("export: %d persons can be linked, the largest cohort has %d rather than %d", persons.size(),
                    persons.size(), largest);
            sizes[sizes.length - 1] = persons.size();
            m.put("s3.sizes", sizes[0] + "," + sizes[1]);
            m.put("s3.requested_largest", largest);
        }
        seed(ctx, source, persons, seedFrom, programmes, sizes);
        String limitBase = sourceBase == null ? api.base() + "/demo-source/fhir" : sourceBase;
        Path gcLog = Path.of(ctx.require("gc-log"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        if (ctx.quick()) {
            // The full run's first export (500 patients) is long enough to warm the export path in the operator JVM
            // and the limit's parse in this one; a quick run's first, of 10 patients, ran cold. One unmeasured round
            // of both at the larger quick size first, so that the measured ones start warm as the full run's do.
            long started = System.nanoTime();
            int warm = sizes[sizes.length - 1];
            export(api, http, researcher, permits[sizes.length - 1]);
            hapiAlone(limitBase, persons.subList(0, warm).stream().map(DemoPerson::patientId).toList());
            Progress.say("export: warmed up with one unmeasured export of %d patients and its limit (%.0f s)", warm,
                    (System.nanoTime() - started) / 1e9);
        }
        for (int s = 0; s < sizes.length; s++) {
            String key = "s3.size." + sizes[s];
            // One export per size, timed, with a full GC forced every few seconds meanwhile: the occupancy after
            // each is the live heap then, and the highest is the peak (the first, right before, the baseline).
            Jfr.jcmd(ctx.pid(), "GC.run");
            Cpu exportCpu = new Cpu(ctx.pid(), ctx.pgData());
            double from = uptime(ctx.pid());
            AtomicBoolean exporting = new AtomicBoolean(true);
            Thread collector = new Thread(() -> {
                while (exporting.get()) {
                    try {
                        Thread.sleep((ctx.quick() ? FULL_GC_EVERY_QUICK : FULL_GC_EVERY).toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (exporting.get()) {
                        Jfr.jcmd(ctx.pid(), "GC.run");
                    }
                }
            });
            boolean profile = ctx.option("profile") != null && s == sizes.length - 1;
            if (profile) {
                Jfr.start(ctx.pid(), "export");
            }
            exportCpu.start();
            collector.start();
            long t0 = System.nanoTime();
            long resources = export(api, http, researcher, permits[s]);
            double seconds = (System.nanoTime() - t0) / 1e9;
            exporting.set(false);
            collector.interrupt();
            collector.join();
            exportCpu.stop();
            if (profile) {
                Jfr.stop(ctx.pid(), "export", ctx.out().resolve("export.jfr"));
            }
            double until = uptime(ctx.pid());
            double[] heap = peakHeap(gcLog, from, until);
            double[] live = fullGcs(gcLog, from, until);
            m.put(key + ".baseline_live_mb", live[0]);
            m.put(key + ".peak_full_live_mb", live[1]);
            m.put(key + ".full_gcs", (long) live[2]);
            m.put(key + ".resources", resources);
            m.put(key + ".seconds", seconds);
            m.put(key + ".resources_per_s", resources / seconds);
            m.put(key + ".peak_heap_mb", heap[0]);
            m.put(key + ".peak_live_mb", heap[1]);
            m.put(key + ".gcs", (long) heap[2]);
            Progress.say("export of %d patients: %d resources in %.1f s (%.0f/s); live heap %.0f MB before, at most %.0f MB "
                    + "during (%d full GCs); heap in use at most %.0f MB", sizes[s], resources, seconds, resources / seconds,
                    live[0], live[1], (long) live[2], heap[0]);

            List<String> ids = persons.subList(0, sizes[s]).stream().map(DemoPerson::patientId).toList();
            Cpu limitCpu = new Cpu(ctx.pid(), ctx.pgData());
            limitCpu.start();
            long t1 = System.nanoTime();
            long limit = hapiAlone(limitBase, ids);
            double limitSeconds = (System.nanoTime() - t1) / 1e9;
            limitCpu.stop();
            exportCpu.record(m, key + ".export");
            limitCpu.record(m, key + ".limit");
            m.put(key + ".limit_resources", limit);
            m.put(key + ".limit_per_s", limit / limitSeconds);
            Progress.say("HAPI alone over the same %d patients: %d resources in %.1f s (%.0f/s)", sizes[s], limit,
                    limitSeconds, limit / limitSeconds);
            StatisticsScenario.measure(ctx, api, http, researcher, permits[s], key, gcLog);
        }
        m.put("s3.load", Cpu.loadAverage());
    }

    /** The first {@code n} persons of a population file, by the demo source's rule (Patients in id order, with an SSN). */
    private static List<DemoPerson> persons(Path dataset, int n) throws IOException {
        IParser parser = Fhir.CONTEXT.newJsonParser();
        List<Patient> patients = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(dataset)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.contains("\"resourceType\":\"Patient\"")) {
                    patients.add(parser.parseResource(Patient.class, line));
                }
            }
        }
        // A person whose SSN another Patient shares cannot be linked (the lookup refuses an ambiguous match), so
        // neither is in a cohort; 2,000 random 999-xx-xxxx numbers collide about once.
        Map<String, Long> ssns = patients.stream().flatMap(p -> p.getIdentifier().stream())
                .filter(i -> DemoPerson.SSN_SYSTEM.equals(i.getSystem()))
                .collect(Collectors.groupingBy(Identifier::getValue, Collectors.counting()));
        return DemoPerson.firstOf(patients.stream().filter(p -> p.getIdentifier().stream()
                .noneMatch(i -> DemoPerson.SSN_SYSTEM.equals(i.getSystem()) && ssns.get(i.getValue()) > 1)).toList(), n);
    }

    /** Kick-off, poll, manifest, every file; returns the number of NDJSON lines received. */
    private static long export(Api api, HttpClient http, String token, String permit) throws Exception {
        return export(api, http, token, permit, List.of());
    }

    /** As {@link #export(Api, HttpClient, String, String)}, of the given types only (all when none). */
    static long export(Api api, HttpClient http, String token, String permit, List<String> types) throws Exception {
        Api.Reply kickOff = api.get("/fhir/" + permit + "/$export" + (types.isEmpty() ? ""
                : "?_type=" + String.join(",", types)), token,
                Map.of("Prefer", "respond-async", "Accept", "application/fhir+json")).expect(202);
        String status = kickOff.raw().headers().firstValue("Content-Location").orElseThrow();
        JsonNode manifest;
        while (true) {
            Api.Reply poll = api.get(status, token, Map.of("Accept", "application/json"));
            if (poll.status() == 200) {
                manifest = poll.json();
                break;
            }
            poll.expect(202);
            Thread.sleep(100);
        }
        long lines = 0;
        for (JsonNode output : manifest.get("output")) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(output.get("url").asText()))
                    .header("Authorization", "Bearer " + token).header("Accept", "application/fhir+ndjson").GET().build();
            HttpResponse<java.io.InputStream> file = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (file.statusCode() != 200) {
                throw new IllegalStateException("export file " + output.get("url") + ": HTTP " + file.statusCode());
            }
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(file.body(), StandardCharsets.UTF_8))) {
                while (reader.readLine() != null) {
                    lines++;
                }
            }
        }
        api.get(status, token, Map.of()); // leave the job; it expires on its own
        return lines;
    }

    /** The limit: the same patients' data read from the source with HAPI, parsed and serialised as NDJSON. */
    private static long hapiAlone(String sourceBase, List<String> patients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicLong count = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        try {
            List<Future<?>> tasks = new ArrayList<>();
            for (String type : TYPES) {
                for (int from = 0; from < patients.size(); from += 10) {
                    List<String> chunk = patients.subList(from, Math.min(patients.size(), from + 10));
                    tasks.add(pool.submit(() -> {
                        IGenericClient client = Fhir.client(sourceBase, null);
                        IParser parser = Fhir.CONTEXT.newJsonParser();
                        String parameter = type.equals("Patient") ? "_id" : "patient";
                        for (Resource r : Fhir.readAll(client, type + "?" + parameter + "=" + String.join(",", chunk)
                                + "&_count=500")) {
                            bytes.addAndGet(parser.encodeResourceToString(r).length() + 1);
                            count.incrementAndGet();
                        }
                    }));
                }
            }
            for (Future<?> t : tasks) {
                t.get();
            }
        } finally {
            pool.shutdown();
        }
        return count.get();
    }

    /** Accounts, links and consents for the demo persons beyond the three citizens, written with consent-core. */
    /**
     * Accounts, links and consents for the persons from {@code from} on, written with consent-core on the
     * operator's database and keystore, as another operator node would (four at a time; each link asks the
     * source for the person's Patient like any link does).
     */
    private static void seed(Driver.Ctx ctx, String sourceId, List<DemoPerson> persons, int from, String[] programmes,
                             int[] sizes) throws Exception {
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(SEEDERS);
        try (Core core = Core.open(ctx, SEEDERS)) {
            Accounts accounts = core.accounts;
            ServiceLinks links = core.links;
            Consents consents = core.consents;
            UUID source = UUID.fromString(sourceId);
            List<Future<?>> seeded = new ArrayList<>();
            for (int i = from; i < persons.size(); i++) {
                int person = i;
                seeded.add(pool.submit(() -> {
                    Account account = accounts.forSubject("bench-person-" + persons.get(person).patientId());
                    if (links.list(account).stream().noneMatch(l -> l.sourceId().equals(source) && l.isLive())) {
                        links.link(account, persons.get(person).identifier(), source);
                    }
                    for (int s = 0; s < sizes.length; s++) {
                        if (person < sizes[s]) {
                            consents.grant(account, new NewConsent(UUID.fromString(programmes[s]), null, null,
                                    List.of(source), null, null));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : seeded) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        Progress.say("export: seeded %d persons with consent-core in %.0f s", persons.size() - from,
                (System.nanoTime() - started) / 1e9);
    }

    private static double uptime(long pid) {
        Matcher m = Pattern.compile("([0-9.]+) s").matcher(Jfr.jcmd(pid, "VM.uptime"));
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** Occupancy after the first full GC in the window, the highest after any later full GC, and their count. */
    private static double[] fullGcs(Path gcLog, double from, double until) throws IOException {
        double first = Double.NaN;
        double peak = 0;
        int count = 0;
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = GC_LINE.matcher(line);
            if (line.contains("Pause Full") && m.find()) {
                double t = Double.parseDouble(m.group(1));
                if (t >= from && t <= until) {
                    double after = Double.parseDouble(m.group(3));
                    if (Double.isNaN(first)) {
                        first = after;
                    } else {
                        peak = Math.max(peak, after);
                    }
                    count++;
                }
            }
        }
        return new double[] {first, peak, count};
    }

    private static final Pattern GC_LINE = Pattern.compile("^\\[([0-9.]+)s\\].*Pause.*?(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    /** Highest heap occupancy before a GC and after a GC, and the number of GCs, in the uptime window. */
    private static double[] peakHeap(Path gcLog, double from, double until) throws IOException {
        double before = 0;
        double after = 0;
        int gcs = 0;
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = GC_LINE.matcher(line);
            if (m.find()) {
                double t = Double.parseDouble(m.group(1));
                if (t >= from && t <= until) {
                    before = Math.max(before, Double.parseDouble(m.group(2)));
                    after = Math.max(after, Double.parseDouble(m.group(3)));
                    gcs++;
                }
            }
        }
        return new double[] {before, after, gcs};
    }
}
