package org.mydata.operator.bench.load;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;

/**
 * Scenario 2j: scenario 2's searches with a real FHIR server as the source: HAPI FHIR JPA 8.8.0 on a PostgreSQL of
 * its own, in a JVM of its own ({@code benchmarks/jpa-source}, started by run.sh), loaded with the same demo
 * population NdjsonSource serves. The same searches go through the gateway and directly to the JPA server, with
 * the same client at the same concurrency; NdjsonSource's figures (scenario 2) stay the ideal source's.
 *
 * <p>Figures go under {@code s2j.}: searches and resources per second per window, the operator JVM's CPU per
 * released resource, and HAPI's parse + encode of the same per-patient resources on one thread of the driver
 * (the bound of issue 27's goal on the gateway's own cost: at most twice that).
 */
final class JpaBaseline {
    private static final String[] CITIZENS = {"alice", "bob", "carol"};
    /**
     * The Observation categories a permit releases unless its request named more (vital signs and laboratory):
     * both paths ask for them, so that both answer the same resources. Without it the source answers every
     * category and the gateway, rightly, withholds survey, social-history and the rest: not the same work.
     */
    static final String RELEASED = "category=vital-signs,laboratory";
    /**
     * Longer windows than scenario 2's: a JPA search takes seconds on the loaded 2-core machine, and the quick run's
     * 9 s window of scenario 2 ended before the first per-patient search did.
     */
    private static final java.util.function.Function<Driver.Ctx, java.time.Duration> WARMUP = c -> c.warmup(10, 20);
    private static final java.util.function.Function<Driver.Ctx, java.time.Duration> WINDOW = c -> c.warmup(30, 60);

    private JpaBaseline() {
    }

    static void run(Driver.Ctx ctx) {
        Api api = ctx.api();
        String admin = api.admin();
        String researcher = api.researcher();
        String steward = api.steward();
        String sourceBase = ctx.require("source-base");
        long sourcePid = Long.parseLong(ctx.require("source-pid"));
        String source = api.registerSource(admin, "Benchmark HAPI FHIR JPA source, scenario 2j", sourceBase);
        String programme = api.programme(admin, "Benchmark gateway on JPA", List.of("Patient", "Observation"));
        List<String> patients = new ArrayList<>();
        for (String name : CITIZENS) {
            String token = api.citizen(name);
            patients.add(api.ensureLinked(token, source));
            api.consent(token, programme, source);
        }
        String permit = api.approvedPermit(researcher, steward, programme, List.of("Patient", "Observation"));
        String gatewayBase = api.base() + "/fhir/" + permit;
        IGenericClient directClient = Fhir.client(sourceBase, null);
        IGenericClient gatewayClient = Fhir.client(gatewayBase, researcher);

        // The same choice of code as scenario 2: the most frequent code every cohort member has.
        String cohort = String.join(",", patients);
        Map<String, Map<String, Integer>> byCode = new HashMap<>();
        for (Resource r : Fhir.readAll(directClient,
                "Observation?patient=" + cohort + "&" + RELEASED + "&_count=500")) {
            Observation o = (Observation) r;
            byCode.computeIfAbsent(o.getCode().getCodingFirstRep().getCode(), c -> new HashMap<>())
                    .merge(o.getSubject().getReference(), 1, Integer::sum);
        }
        String code = byCode.entrySet().stream().filter(e -> e.getValue().size() == patients.size())
                .max(Map.Entry.comparingByValue((a, b) -> Integer.compare(
                        a.values().stream().mapToInt(Integer::intValue).sum(),
                        b.values().stream().mapToInt(Integer::intValue).sum()))).orElseThrow().getKey();
        List<String> pseudonyms = Fhir.readAll(gatewayClient, "Patient").stream()
                .map(p -> p.getIdElement().getIdPart()).toList();

        String cohortDirect = "Observation?patient=" + cohort + "&code=" + code + "&_count=20";
        String cohortGateway = "Observation?code=" + code + "&_count=20";
        int[] d = Fhir.count(directClient, cohortDirect);
        int[] g = Fhir.count(gatewayClient, cohortGateway);
        int perPatientDirect = 0;
        int perPatientGateway = 0;
        for (String p : patients) {
            perPatientDirect += Fhir.count(directClient, "Observation?patient=" + p + "&" + RELEASED
                    + "&_count=100")[0];
        }
        for (String p : pseudonyms) {
            perPatientGateway += Fhir.count(gatewayClient, "Observation?patient=" + p + "&" + RELEASED
                    + "&_count=100")[0];
        }
        Metrics m = ctx.metrics();
        m.put("s2j.code", code);
        m.put("s2j.cohort.resources.direct", d[0]);
        m.put("s2j.cohort.resources.gateway", g[0]);
        m.put("s2j.cohort.requests", g[1]);
        m.put("s2j.patient.resources.direct", perPatientDirect);
        m.put("s2j.patient.resources.gateway", perPatientGateway);
        m.put("s2j.concurrency", GatewayOverhead.CONCURRENCY);
        m.put("s2j.source", "HAPI FHIR JPA 8.8.0 on its own PostgreSQL, demo population, in a JVM of its own");
        if (d[0] != g[0] || perPatientDirect != perPatientGateway) {
            m.put("s2j.mismatch", "cohort " + d[0] + "/" + g[0] + ", per patient " + perPatientDirect + "/"
                    + perPatientGateway + " resources (direct/gateway)");
            Progress.say("gateway on JPA: WARNING the gateway and the source answered different numbers of resources");
        }
        Progress.say("gateway on JPA: code %s, cohort search %d/%d resources (direct/gateway), per patient %d/%d", code,
                d[0], g[0], perPatientDirect, perPatientGateway);

        GatewayOverhead.hapiAlone(ctx, "s2j", directClient, patients);

        List<IGenericClient> directs = new ArrayList<>();
        List<IGenericClient> gateways = new ArrayList<>();
        for (int i = 0; i < GatewayOverhead.CONCURRENCY; i++) {
            directs.add(Fhir.client(sourceBase, null));
            gateways.add(Fhir.client(gatewayBase, researcher));
        }
        int[] turn = new int[GatewayOverhead.CONCURRENCY];
        GatewayOverhead.measure(ctx, "s2j.cohort.direct", sourcePid, (w, rec) -> rec.time("op",
                () -> Fhir.count(directs.get(w), cohortDirect, n -> rec.count("resources", n))),
                WARMUP.apply(ctx), WINDOW.apply(ctx));
        GatewayOverhead.measure(ctx, "s2j.cohort.gateway", sourcePid, (w, rec) -> rec.time("op",
                () -> Fhir.count(gateways.get(w), cohortGateway, n -> rec.count("resources", n))),
                WARMUP.apply(ctx), WINDOW.apply(ctx));
        GatewayOverhead.measure(ctx, "s2j.patient.direct", sourcePid, (w, rec) -> rec.time("op",
                () -> Fhir.count(directs.get(w), "Observation?patient=" + patients.get(turn[w]++ % patients.size())
                        + "&" + RELEASED + "&_count=100", n -> rec.count("resources", n))),
                WARMUP.apply(ctx), WINDOW.apply(ctx));
        GatewayOverhead.measure(ctx, "s2j.patient.gateway", sourcePid, (w, rec) -> rec.time("op",
                () -> Fhir.count(gateways.get(w), "Observation?patient=" + pseudonyms.get(turn[w]++ % pseudonyms.size())
                        + "&" + RELEASED + "&_count=100", n -> rec.count("resources", n))),
                WARMUP.apply(ctx), WINDOW.apply(ctx));
    }
}
