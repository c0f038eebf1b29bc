package org.mydata.operator.bench.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;

/**
 * Scenario 1: concurrent citizens grant, pause, resume and withdraw consents for a fixed time through the
 * REST API, each grant's citizen drawn from 1,000 generated citizens ({@link RestConsentWrites}); then the
 * hot spot: the demo's three citizens (alice, bob, carol), whom 16 loops share, each on its own consents,
 * because one consent's chain serialises on its row lock by design; each loop consents to a programme of its own,
 * since a person holds one live consent per programme. Every grant signs a consent record
 * and its first status record; every change signs one status record.
 */
final class ConsentWrites {
    static final int LOOPS = 16;
    /**
     * The quick run's warm-up before the REST window: Tink's Ed25519 needs some 10^4 signatures before C2 has
     * compiled it, about 25 s at the quick run's rate; with 3 s the quick ratio read 0.24 against the full run's 0.35.
     */
    static final int QUICK_WARMUP_S = 40;
    private static final String[] CITIZENS = {"alice", "bob", "carol"};

    private ConsentWrites() {
    }

    private static final class Loop {
        String consent;
        int step;
    }

    /**
     * The full run warms up for 150 s: Tink's Ed25519 is pure Java and C2 compiles its field arithmetic only
     * after some 10^4 signatures, which at this scenario's rate takes one to two minutes (JFR shows the
     * compilations and the signing share of CPU falling from ~65% to ~10% once they are done).
     */
    static void run(Driver.Ctx ctx) throws Exception {
        Api api = ctx.api();
        String admin = api.admin();
        String source = api.demoSourceId(admin);
        String[] programmes = new String[LOOPS];
        for (int i = 0; i < LOOPS; i++) {
            programmes[i] = api.programme(admin, "Benchmark consent writes " + i, List.of("Patient", "Observation"));
        }
        // ---- REST writes: 1,000 citizens, then the 3-citizen hot spot (issue 27; RestConsentWrites) ----
        RestConsentWrites.Citizens population = RestConsentWrites.population(ctx, api, admin);
        PgWaits waits = new PgWaits(ctx.pgUrl("postgres"), "postgres");
        boolean profile = ctx.option("profile") != null;
        RestConsentWrites.measure(ctx, api, population, programmes, "s1", "consent-writes",
                ctx.warmup(QUICK_WARMUP_S, 150), ctx.warmup(12, 60), () -> {
                    waits.start();
                    if (profile) {
                        Jfr.start(ctx.pid(), "consent-writes");
                    }
                }, () -> {
                    ctx.metrics().put("s1.pg_waits", waits.stop());
                    if (profile) {
                        Jfr.stop(ctx.pid(), "consent-writes", ctx.out().resolve("consent-writes.jfr"));
                    }
                });
        // Warm already: the population's windows compiled what the hot spot runs.
        RestConsentWrites.measure(ctx, api, RestConsentWrites.demoCitizens(api, source, CITIZENS), programmes,
                "s1_hot", "consent-writes-hot", ctx.warmup(3, 15), ctx.warmup(12, 60), () -> { }, () -> { });
        inProcess(ctx, programmes, source);
    }

    /**
     * The same loops without HTTP, Spring or tokens: consent-core's {@code Consents} called from the driver's JVM
     * on the operator's database and keystore, 16 threads. What separates this figure from the REST one is the
     * web layer; what separates it from the limits is the transaction (its statements and the log head's lock).
     */
    /** The in-process loops' persons are the demo dataset's 4th to 6th; the export scenario's come after. */
    static final int IN_PROCESS_PERSONS_UNTIL = 6;

    /**
     * How many citizens 1c draws from: persons of the demo dataset, each linked to one of {@code POPULATION / 40}
     * sources registered for the run on the demo source's FHIR endpoint (a patient belongs to one live link per
     * source), so that every citizen is another account with another link.
     */
    static final int POPULATION = 1000;

    private static void inProcess(Driver.Ctx ctx, String[] programmes, String sourceId) throws Exception {
        UUID source = UUID.fromString(sourceId);
        // Persons of their own: a source patient belongs to one account, and the first three are the REST loops'
        // citizens (alice, bob, carol).
        List<DemoPerson> persons = DemoFhirSource.demoPersons(IN_PROCESS_PERSONS_UNTIL)
                .subList(CITIZENS.length, IN_PROCESS_PERSONS_UNTIL);
        try (Core core = Core.open(ctx, LOOPS)) {
            Account[] hotSpot = new Account[persons.size()];
            for (int i = 0; i < persons.size(); i++) {
                hotSpot[i] = core.accounts.forSubject("bench-in-process-" + persons.get(i).patientId());
                if (core.links.list(hotSpot[i]).stream().noneMatch(l -> l.sourceId().equals(source) && l.isLive())) {
                    core.links.link(hotSpot[i], persons.get(i).identifier(), source);
                }
            }
            // ---- writes: a population of 1,000 citizens (issue 27) ----
            Account[] population = population(ctx, core);
            NewConsent[] grants = new NewConsent[LOOPS];
            for (int i = 0; i < LOOPS; i++) {
                grants[i] = new NewConsent(UUID.fromString(programmes[i]), null, null, null, null, null);
            }
            if (ctx.quick()) {
                // The full run's 40 s of warm-up writes compile Ed25519 in this JVM; the quick run's 3 s do not (it
                // read 0.09 of the inserts against the full run's 0.10 at best): sign as many first, in seconds.
                long started = System.nanoTime();
                int signed = core.warmSigning(Duration.ofSeconds(40), 20_000);
                Progress.say("in process: signing warmed up in this JVM (%,d signatures in %.0f s)", signed,
                        (System.nanoTime() - started) / 1e9);
            }
            measureInProcess(ctx, core, population, grants, "s1.in_process", "consent-writes-in-process");
            Progress.say("(the in-process loops above drew from %d citizens; now the %d-citizen hot spot)",
                    population.length, hotSpot.length);
            measureInProcess(ctx, core, hotSpot, grants, "s1.in_process_hot", "consent-writes-in-process-hot");
            ctx.metrics().put("s1.in_process_citizens", population.length);
            ctx.metrics().put("s1.in_process_hot_citizens", hotSpot.length);
        }
    }

    /**
     * The population's accounts, made for the run with consent-core and linked as any link is (the source is
     * asked for the person's Patient), eight at a time, before any measured window.
     */
    private static Account[] population(Driver.Ctx ctx, Core core) throws Exception {
        long started = System.nanoTime();
        List<DemoPerson> persons = DemoFhirSource.demoPersons(40);
        Api api = ctx.api();
        String admin = api.admin();
        String demoUrl = api.demoSourceUrl(admin);
        int sourcesNeeded = (POPULATION + persons.size() - 1) / persons.size();
        UUID[] sources = new UUID[sourcesNeeded];
        for (int s = 0; s < sourcesNeeded; s++) {
            sources[s] = UUID.fromString(api.registerSource(admin, "Benchmark population " + s, demoUrl));
        }
        Account[] accounts = new Account[POPULATION];
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<?>> made = new java.util.ArrayList<>();
            for (int i = 0; i < POPULATION; i++) {
                int n = i;
                made.add(pool.submit(() -> {
                    accounts[n] = core.accounts.forSubject("bench-population-" + UUID.randomUUID());
                    core.links.link(accounts[n], persons.get(n % persons.size()).identifier(),
                            sources[n / persons.size()]);
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : made) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        Progress.say("consent writes: %d citizens made and linked (%d sources) in %.0f s", POPULATION, sourcesNeeded,
                (System.nanoTime() - started) / 1e9);
        return accounts;
    }

    /**
     * The 16 loops on consent-core. Each consent a loop gives is a citizen drawn at random from {@code citizens}
     * (the loops' programmes differ, so two loops never hold the same person's consent to one programme), and
     * that citizen then pauses, resumes and withdraws it.
     */
    private static void measureInProcess(Driver.Ctx ctx, Core core, Account[] citizens, NewConsent[] grants,
                                         String prefix, String name) throws Exception {
        Loop[] loops = new Loop[LOOPS];
        Account[] holder = new Account[LOOPS];
        for (int i = 0; i < LOOPS; i++) {
            loops[i] = new Loop();
        }
        Cpu cpu = new Cpu(ctx.pid(), ctx.pgData());
        PgWaits waits = new PgWaits(ctx.pgUrl("postgres"), "postgres");
        // Here consent-core runs in this JVM, so this JVM is the one to profile (the operator idles).
        jdk.jfr.Recording recording = ctx.option("profile") != null
                ? new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile")) : null;
        Load.Result r = Load.run(name, LOOPS, ctx.warmup(3, 40), ctx.warmup(12, 30), (w, rec) -> {
            Loop loop = loops[w];
            if (loop.consent == null) {
                Account account = citizens[java.util.concurrent.ThreadLocalRandom.current().nextInt(citizens.length)];
                holder[w] = account;
                loop.consent = rec.time("grant", () -> core.consents.grant(account, grants[w]).id().toString());
                loop.step = 0;
                rec.count("csr", 1);
                return;
            }
            Account account = holder[w];
            ConsentStatus next = loop.step == 0 ? ConsentStatus.PAUSED : loop.step == 1 ? ConsentStatus.ACTIVE
                    : ConsentStatus.WITHDRAWN;
            try {
                rec.time("status", () -> core.consents.changeStatus(account, UUID.fromString(loop.consent), next,
                        StatusRecord.ChangedBy.PERSON, null));
            } catch (RuntimeException e) {
                // As in scenario 1: a consent left live would answer the next grant of this pair. End it first.
                try {
                    core.consents.changeStatus(account, UUID.fromString(loop.consent), ConsentStatus.WITHDRAWN,
                            StatusRecord.ChangedBy.PERSON, null);
                } catch (RuntimeException alreadyEnded) {
                    // withdrawn already
                }
                loop.consent = null;
                throw e;
            }
            rec.count("csr", 1);
            loop.step++;
            if (next == ConsentStatus.WITHDRAWN) {
                loop.consent = null;
            }
        }, () -> {
            cpu.start();
            waits.start();
            core.appender.resetFigures();
            if (recording != null) {
                recording.start();
            }
        }, () -> {
            cpu.stop();
            ctx.metrics().put(prefix + ".pg_waits", waits.stop());
            // Batch sizes achieved and where a batch's time went (LogAppender.Figures).
            ctx.metrics().put(prefix + ".batches", core.appender.figures().toString());
            if (recording != null) {
                recording.stop();
                try {
                    recording.dump(ctx.out().resolve(name + ".jfr"));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } finally {
                    recording.close();
                }
            }
        });
        Metrics m = ctx.metrics();
        m.put(prefix + "_csr_per_s", r.rate("csr"));
        m.put(prefix + "_p50_ms", r.percentileMs(null, 50));
        m.put(prefix + "_p99_ms", r.percentileMs(null, 99));
        m.put(prefix + "_errors", r.errors());
        cpu.record(m, prefix);
        Progress.say("consent writes in process (%d citizens): %.0f CSR/s, p50 %.1f ms, p99 %.1f ms, %d errors; %s",
                citizens.length, r.rate("csr"), r.percentileMs(null, 50), r.percentileMs(null, 99), r.errors(),
                core.appender.figures());
    }
}
