package org.mydata.operator.bench.load;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;

/**
 * Scenario 2: the same searches through the gateway ({@code /fhir/{permitId}}, bearer token, consent check,
 * pseudonymisation, access event) and directly against the source, with HAPI's generic client at the same
 * concurrency. The cohort is the three demo citizens, each linked to the source and consenting to a programme
 * of this run's own. The source ({@code --source-base}) is {@link org.mydata.operator.bench.source.NdjsonSource}
 * serving the demo population in a JVM of its own, as a hospital's server runs elsewhere, so the operator JVM's
 * CPU over the gateway window is the gateway's own, reported per released resource. Without
 * {@code --source-base} the demo source inside the operator JVM is used, as before.
 */
final class GatewayOverhead {
    static final int CONCURRENCY = 8;
    private static final String[] CITIZENS = {"alice", "bob", "carol"};

    private GatewayOverhead() {
    }

    static void run(Driver.Ctx ctx) {
        Api api = ctx.api();
        String outOfProcess = ctx.option("source-base");
        long sourcePid = ctx.option("source-pid") == null ? 0 : Long.parseLong(ctx.option("source-pid"));
        String admin = api.admin();
        String source = outOfProcess == null ? api.demoSourceId(admin)
                : api.registerSource(admin, "Benchmark NDJSON source, scenario 2", outOfProcess);
        String sourceBase = outOfProcess == null ? api.base() + "/demo-source/fhir" : outOfProcess;
        // Quick: 6 s of warm-up (the operator's release path and HAPI's encoder compiled; 3 s was a few dozen
        // searches on the loaded machine) and 8 s windows, long enough for a ratio of two rates.
        compare(ctx, new Comparison("s2", "gateway", outOfProcess == null ? "the demo source inside the operator JVM"
                : "NdjsonSource over the demo population, in a JVM of its own", source, sourceBase, sourcePid,
                "Benchmark gateway", "&" + JpaBaseline.RELEASED, ctx.warmup(6, 15), ctx.warmup(8, 40)));
    }

    /**
     * One comparison of the gateway with its source, as scenarios 2 (NdjsonSource) and 2j (HAPI FHIR JPA) make it.
     *
     * @param prefix      the figures' prefix ({@code s2}, {@code s2j})
     * @param label       how progress lines name the scenario
     * @param sourceLabel what the source is, for the report
     * @param sourceId    the source as the operator registered it
     * @param sourceBase  the source's FHIR base, for the direct path
     * @param sourcePid   the source's process, whose CPU is counted apart (0: inside the operator)
     * @param programme   the name of the run's own programme
     * @param filter      what both paths add to every search ({@code ""} or {@code "&category=..."}), so that both
     *                    answer the same resources
     */
    record Comparison(String prefix, String label, String sourceLabel, String sourceId, String sourceBase,
                      long sourcePid, String programme, String filter, java.time.Duration warmup,
                      java.time.Duration window) {
    }

    /**
     * The three demo citizens linked to the source and consenting to a programme of the run's own, a permit over
     * it, and the same searches through the gateway and directly, counted first (the report refuses a ratio of
     * searches that answer different sets) and then measured at {@link #CONCURRENCY}.
     */
    static void compare(Driver.Ctx ctx, Comparison s) {
        Api api = ctx.api();
        String admin = api.admin();
        String researcher = api.researcher();
        String steward = api.steward();
        String programme = api.programme(admin, s.programme(), List.of("Patient", "Observation"));
        List<String> patients = new ArrayList<>();
        for (String name : CITIZENS) {
            String token = api.citizen(name);
            patients.add(api.ensureLinked(token, s.sourceId()));
            api.consent(token, programme, s.sourceId());
        }
        String permit = api.approvedPermit(researcher, steward, programme, List.of("Patient", "Observation"));
        String gatewayBase = api.base() + "/fhir/" + permit;
        IGenericClient directClient = Fhir.client(s.sourceBase(), null);
        IGenericClient gatewayClient = Fhir.client(gatewayBase, researcher);

        // A code every cohort member has, the most frequent such: a cohort-wide search that pages.
        String cohort = String.join(",", patients);
        Map<String, Map<String, Integer>> byCode = new HashMap<>();
        for (Resource r : Fhir.readAll(directClient, "Observation?patient=" + cohort + s.filter() + "&_count=500")) {
            Observation o = (Observation) r;
            byCode.computeIfAbsent(o.getCode().getCodingFirstRep().getCode(), c -> new HashMap<>())
                    .merge(o.getSubject().getReference(), 1, Integer::sum);
        }
        String code = byCode.entrySet().stream().filter(e -> e.getValue().size() == patients.size())
                .max(Map.Entry.comparingByValue((a, b) -> Integer.compare(sum(a), sum(b)))).orElseThrow().getKey();
        List<String> pseudonyms = Fhir.readAll(gatewayClient, "Patient").stream()
                .map(p -> p.getIdElement().getIdPart()).toList();

        String cohortDirect = "Observation?patient=" + cohort + "&code=" + code + "&_count=20";
        String cohortGateway = "Observation?code=" + code + "&_count=20";
        int[] d = Fhir.count(directClient, cohortDirect);
        int[] g = Fhir.count(gatewayClient, cohortGateway);
        int perPatientDirect = 0;
        int perPatientGateway = 0;
        for (String p : patients) {
            perPatientDirect += Fhir.count(directClient, "Observation?patient=" + p + s.filter() + "&_count=100")[0];
        }
        for (String p : pseudonyms) {
            perPatientGateway += Fhir.count(gatewayClient, "Observation?patient=" + p + s.filter() + "&_count=100")[0];
        }
        String prefix = s.prefix();
        Metrics m = ctx.metrics();
        m.put(prefix + ".code", code);
        m.put(prefix + ".cohort.resources.direct", d[0]);
        m.put(prefix + ".cohort.resources.gateway", g[0]);
        m.put(prefix + ".cohort.requests", g[1]);
        m.put(prefix + ".patient.resources.direct", perPatientDirect);
        m.put(prefix + ".patient.resources.gateway", perPatientGateway);
        m.put(prefix + ".concurrency", CONCURRENCY);
        m.put(prefix + ".source", s.sourceLabel());
        if (d[0] != g[0] || perPatientDirect != perPatientGateway) {
            // The report shows it beside the ratio: searches that answer different sets are not the same work.
            m.put(prefix + ".mismatch", "cohort " + d[0] + "/" + g[0] + ", per patient " + perPatientDirect + "/"
                    + perPatientGateway + " resources (direct/gateway)");
            Progress.say("%s: WARNING the gateway and the source answered different numbers of resources", s.label());
        }
        Progress.say("%s: code %s, cohort search %d/%d resources (direct/gateway), per patient %d/%d", s.label(), code,
                d[0], g[0], perPatientDirect, perPatientGateway);

        hapiAlone(ctx, prefix, directClient, patients);

        List<IGenericClient> directs = new ArrayList<>();
        List<IGenericClient> gateways = new ArrayList<>();
        for (int i = 0; i < CONCURRENCY; i++) {
            directs.add(Fhir.client(s.sourceBase(), null));
            gateways.add(Fhir.client(gatewayBase, researcher));
        }
        int[] turn = new int[CONCURRENCY];
        // Resources are counted by page as they arrive, so that a search longer than the window still counts.
        measure(ctx, prefix + ".cohort.direct", s.sourcePid(), (w, rec) -> rec.time("op",
                () -> Fhir.count(directs.get(w), cohortDirect, n -> rec.count("resources", n))), s.warmup(), s.window());
        measure(ctx, prefix + ".cohort.gateway", s.sourcePid(), (w, rec) -> rec.time("op",
                () -> Fhir.count(gateways.get(w), cohortGateway, n -> rec.count("resources", n))), s.warmup(),
                s.window());
        measure(ctx, prefix + ".patient.direct", s.sourcePid(), (w, rec) -> rec.time("op",
                () -> Fhir.count(directs.get(w), "Observation?patient=" + patients.get(turn[w]++ % patients.size())
                        + s.filter() + "&_count=100", n -> rec.count("resources", n))), s.warmup(), s.window());
        measure(ctx, prefix + ".patient.gateway", s.sourcePid(), (w, rec) -> rec.time("op",
                () -> Fhir.count(gateways.get(w), "Observation?patient=" + pseudonyms.get(turn[w]++ % pseudonyms.size())
                        + s.filter() + "&_count=100", n -> rec.count("resources", n))), s.warmup(), s.window());
    }

    private static int sum(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    static void measure(Driver.Ctx ctx, String prefix, long sourcePid, Load.Op op, java.time.Duration warmup,
                        java.time.Duration window) {
        Cpu cpu = new Cpu(ctx.pid(), ctx.pgData(), sourcePid);
        boolean profile = ctx.option("profile") != null && prefix.endsWith("gateway");
        String name = prefix.replace("s2.", "").replace('.', '-');
        Load.Result r = Load.run(prefix, CONCURRENCY, warmup, window, op, () -> {
            cpu.start();
            if (profile) {
                Jfr.start(ctx.pid(), name);
            }
        }, () -> {
            cpu.stop();
            if (profile) {
                Jfr.stop(ctx.pid(), name, ctx.out().resolve(name + ".jfr"));
            }
        });
        Metrics m = ctx.metrics();
        m.put(prefix + ".ops_per_s", r.ops("op"));
        m.put(prefix + ".p50_ms", r.percentileMs("op", 50));
        m.put(prefix + ".p99_ms", r.percentileMs("op", 99));
        m.put(prefix + ".errors", r.errors());
        m.put(prefix + ".resources_per_s", r.rate("resources"));
        // With the source in its own JVM, the operator JVM's CPU over a gateway window is the gateway's own.
        m.put(prefix + ".operator_cpu_us_per_resource", cpu.operatorCores() * 1e6 / r.rate("resources"));
        m.put(prefix + ".load", Cpu.loadAverage());
        cpu.record(m, prefix);
        Progress.say("%s: %.1f searches/s, p50 %.1f ms, p99 %.1f ms", prefix, r.ops("op"), r.percentileMs("op", 50),
                r.percentileMs("op", 99));
    }

    /**
     * What HAPI alone costs per resource for the per-patient pages: parse each resource the source sent and
     * encode it again, on one thread of the driver's JVM, CPU time from the thread's own clock. It is work the
     * gateway cannot skip (it reads every resource before it may release it) and the direct path never does
     * (NdjsonSource sends the lines it stored), so it bounds how close 2b can come to direct.
     */
    static void hapiAlone(Driver.Ctx ctx, String prefix, IGenericClient directClient, List<String> patients) {
        List<String> lines = new ArrayList<>();
        ca.uhn.fhir.parser.IParser writer = Fhir.CONTEXT.newJsonParser();
        for (String p : patients) {
            for (Resource r : Fhir.readAll(directClient, "Observation?patient=" + p + "&_count=100")) {
                lines.add(writer.encodeResourceToString(r));
            }
        }
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long rounds = 0;
        long parsed = 0;
        long until = System.nanoTime() + ctx.warmup(3, 20).toNanos();
        long cpuStart = 0;
        long warmUntil = System.nanoTime() + ctx.warmup(1, 10).toNanos();
        boolean measuring = false;
        long measuredRounds = 0;
        // At least 5 rounds of warm-up and 3 measured whatever the clock says: on a loaded machine the quick run's
        // 1 s warm-up was one cold round (3,540 us a resource against 67 us warm).
        while (System.nanoTime() < until || measuredRounds < 3) {
            if (!measuring && System.nanoTime() >= warmUntil && rounds >= 5) {
                measuring = true;
                cpuStart = threads.getCurrentThreadCpuTime();
                parsed = 0;
            }
            if (measuring) {
                measuredRounds++;
            }
            ca.uhn.fhir.parser.IParser parser = Fhir.CONTEXT.newJsonParser();
            for (String line : lines) {
                writer.encodeResourceToString(parser.parseResource(line));
            }
            parsed += lines.size();
            rounds++;
        }
        double usPerResource = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e3 / Math.max(1, parsed);
        ctx.metrics().put(prefix + ".hapi_alone_us_per_resource", usPerResource);
        Progress.say("gateway: HAPI alone, parse + encode of the per-patient Observations: %.1f us CPU per resource "
                + "(%d rounds of %d)", usPerResource, rounds, lines.size());
    }
}
