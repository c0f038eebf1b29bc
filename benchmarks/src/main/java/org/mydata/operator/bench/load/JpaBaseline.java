package org.mydata.operator.bench.load;

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
    /**
     * The Observation categories a permit releases unless its request named more (vital signs and laboratory):
     * both paths ask for them, so that both answer the same resources. Without it the source answers every
     * category and the gateway, rightly, withholds survey, social-history and the rest: not the same work.
     */
    static final String RELEASED = "category=vital-signs,laboratory";
    /**
     * Longer windows than scenario 2's: a JPA search takes seconds on the loaded 2-core machine, and the quick run's
     * 9 s window of scenario 2 ended before the first per-patient search did. The quick run measures 20 s (30 s
     * before, 40 s of the quick run's time): resources are counted by page as they arrive, so a ratio of two rates
     * needs windows of the same length rather than long ones; a quiet machine runs several searches a second on
     * each side (at load 17-24, 1-2.5 per second at p50 0.5-2 s).
     */
    private static final java.util.function.Function<Driver.Ctx, java.time.Duration> WARMUP = c -> c.warmup(10, 20);
    private static final java.util.function.Function<Driver.Ctx, java.time.Duration> WINDOW = c -> c.warmup(20, 60);

    private JpaBaseline() {
    }

    static void run(Driver.Ctx ctx) {
        Api api = ctx.api();
        String sourceBase = ctx.require("source-base");
        long sourcePid = Long.parseLong(ctx.require("source-pid"));
        String source = api.registerSource(api.admin(), "Benchmark HAPI FHIR JPA source, scenario 2j", sourceBase);
        GatewayOverhead.compare(ctx, new GatewayOverhead.Comparison("s2j", "gateway on JPA",
                "HAPI FHIR JPA 8.8.0 on its own PostgreSQL, demo population, in a JVM of its own", source, sourceBase,
                sourcePid, "Benchmark gateway on JPA", "&" + RELEASED, WARMUP.apply(ctx), WINDOW.apply(ctx)));
    }
}
