package org.mydata.operator.bench.load;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.mydata.operator.gateway.demo.DemoFhirSource;

/**
 * Scenario 1's REST loops (issue 27): 16 loops grant, pause, resume and withdraw consents through the REST API with
 * real tokens, each grant's citizen drawn at random from the citizens given, who then pauses, resumes and withdraws
 * that consent. The population is the operator's generated benchmark citizens ({@code
 * operator.embedded.generated-citizens}, which run.sh passes to node 1): each signs in through the embedded
 * authorization server's login page with authorization code + PKCE, as alice does, with the random password the
 * operator wrote to its data directory, and links to one of the sources registered for the run on the demo
 * source's FHIR endpoint (a source patient has one live link per source, and the demo dataset has about 40
 * persons, so 1,000 citizens need some 25 sources). The 3-citizen run (alice, bob, carol) is the hot spot.
 */
final class RestConsentWrites {
    /** How many citizens scenario 1 draws from; run.sh starts node 1 with as many generated citizens. */
    static final int POPULATION = 1000;

    private RestConsentWrites() {
    }

    /** Citizens with a token each and the source each is linked to. */
    record Citizens(String[] tokens, String[] sources) {
        int size() {
            return tokens.length;
        }
    }

    private static final class Loop {
        String consent;
        int citizen;
        int step;
    }

    /** The generated citizens, signed in and linked, eight at a time, before any measured window. */
    static Citizens population(Driver.Ctx ctx, Api api, String admin) throws Exception {
        long started = System.nanoTime();
        Path file = ctx.dataDir().resolve("keys").resolve("generated-citizens.properties");
        Properties passwords = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            passwords.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("no generated citizens in " + file + ": start the operator with "
                    + "--operator.embedded.generated-citizens=" + POPULATION, e);
        }
        int n = Math.min(POPULATION, passwords.size());
        if (n < POPULATION) {
            throw new IllegalStateException("the operator has " + n + " generated citizens, scenario 1 needs "
                    + POPULATION);
        }
        // The operator gives generated citizen i the identifier of the demo dataset's person 3 + i % persons, where
        // persons leaves out the six the named demo citizens are (DemoConfig.NAMED_AT_FRONT and NAMED_AT_END).
        int persons = DemoFhirSource.demoPersons(Integer.MAX_VALUE).size() - 6;
        String demoUrl = api.demoSourceUrl(admin);
        String[] sourceIds = new String[(n + persons - 1) / persons];
        for (int s = 0; s < sourceIds.length; s++) {
            sourceIds[s] = api.registerSource(admin, "Benchmark REST population " + s, demoUrl);
        }
        String[] tokens = new String[n];
        String[] sources = new String[n];
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int c = i;
                done.add(pool.submit(() -> {
                    String username = String.format(java.util.Locale.ROOT, "bench-citizen-%05d", c);
                    tokens[c] = api.citizenToken(username, passwords.getProperty(username));
                    sources[c] = sourceIds[c / persons];
                    api.ensureLinked(tokens[c], sources[c]);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        Progress.say("consent writes: %d citizens signed in (authorization code + PKCE) and linked to %d sources in "
                + "%.0f s", n, sourceIds.length, (System.nanoTime() - started) / 1e9);
        return new Citizens(tokens, sources);
    }

    /** The hot spot: the demo's three citizens, linked to the demo source. */
    static Citizens demoCitizens(Api api, String source, String... names) {
        String[] tokens = new String[names.length];
        String[] sources = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            tokens[i] = api.citizen(names[i]);
            sources[i] = source;
            api.ensureLinked(tokens[i], source);
        }
        return new Citizens(tokens, sources);
    }

    /**
     * The 16 loops over REST; loop w consents to programme w only, so two loops never hold one person's consent to
     * one programme. Figures go under {@code prefix}.
     */
    static Load.Result measure(Driver.Ctx ctx, Api api, Citizens citizens, String[] programmes, String prefix,
                               String name, Duration warmup, Duration window, Runnable onStart, Runnable onStop) {
        Loop[] loops = new Loop[ConsentWrites.LOOPS];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new Loop();
        }
        Cpu cpu = new Cpu(ctx.pid(), ctx.pgData());
        GcPauses operatorGc = new GcPauses(ctx.pid(), ctx.out().resolve("gc-node1.log"));
        GcPauses driverGc = GcPauses.thisJvm();
        Load.Result r = Load.run(name, ConsentWrites.LOOPS, warmup, window, (w, rec) -> {
            Loop loop = loops[w];
            if (loop.consent == null) {
                loop.citizen = ThreadLocalRandom.current().nextInt(citizens.size());
            }
            String token = citizens.tokens()[loop.citizen];
            try {
                if (loop.consent == null) {
                    loop.consent = rec.time("grant", () -> api.consent(token, programmes[w],
                            citizens.sources()[loop.citizen]));
                    loop.step = 0;
                    rec.count("csr", 1);
                    rec.count("records", 2);
                    return;
                }
                String next = loop.step == 0 ? "paused" : loop.step == 1 ? "active" : "withdrawn";
                rec.time("status", () -> api.status(token, loop.consent, next).expect(200));
                rec.count("csr", 1);
                rec.count("records", 1);
                loop.step++;
                if (next.equals("withdrawn")) {
                    loop.consent = null;
                }
            } catch (Exception e) {
                // One live consent per person and programme: a consent left live by a failed step would come
                // back as the answer to the next grant, in a state the loop does not know. End it first.
                if (loop.consent != null) {
                    api.status(token, loop.consent, "withdrawn");
                }
                loop.consent = null;
                throw e;
            }
        }, () -> {
            cpu.start();
            operatorGc.start();
            driverGc.start();
            onStart.run();
        }, () -> {
            cpu.stop();
            operatorGc.stop();
            driverGc.stop();
            onStop.run();
        });
        Metrics m = ctx.metrics();
        m.put(prefix + ".loops", ConsentWrites.LOOPS);
        m.put(prefix + ".citizens", citizens.size());
        m.put(prefix + ".seconds", r.seconds());
        m.put(prefix + ".warmup_s", warmup.toSeconds());
        m.put(prefix + ".csr_per_s", r.rate("csr"));
        m.put(prefix + ".records_per_s", r.rate("records"));
        m.put(prefix + ".requests_per_s", (r.n("grant") + r.n("status")) / r.seconds());
        m.put(prefix + ".p50_ms", r.percentileMs(null, 50));
        m.put(prefix + ".p99_ms", r.percentileMs(null, 99));
        m.put(prefix + ".status_p50_ms", r.percentileMs("status", 50));
        m.put(prefix + ".status_p99_ms", r.percentileMs("status", 99));
        m.put(prefix + ".grant_p50_ms", r.percentileMs("grant", 50));
        m.put(prefix + ".grant_p99_ms", r.percentileMs("grant", 99));
        m.put(prefix + ".errors", r.errors());
        m.put(prefix + ".load", Cpu.loadAverage());
        // A pause stops every request in flight (16 loops): one pause of the operator's or the driver's JVM in the
        // window lands in more than 1% of the requests, i.e. in the p99.
        operatorGc.record(m, prefix + ".gc.operator");
        driverGc.record(m, prefix + ".gc.driver");
        cpu.record(m, prefix);
        Progress.say("consent writes (%d citizens): %.0f CSR/s, %.0f signed records/s, p50 %.1f ms, p99 %.1f ms "
                        + "(status p99 %.1f ms, grant p99 %.1f ms), %d errors; GC pauses in the window: operator %s, "
                        + "driver %s", citizens.size(), r.rate("csr"), r.rate("records"), r.percentileMs(null, 50),
                r.percentileMs(null, 99), r.percentileMs("status", 99), r.percentileMs("grant", 99), r.errors(),
                operatorGc, driverGc);
        return r;
    }
}
