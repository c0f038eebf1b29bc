package org.mydata.operator.bench.load;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;

/**
 * Scenario 1: concurrent citizens grant, pause, resume and withdraw consents for a fixed time through the
 * REST API. The demo has three citizens (alice, bob, carol); 16 loops share them, each on its own consents,
 * because one consent's chain serialises on its row lock by design; each loop consents to a programme of its own,
 * since a person holds one live consent per programme. Every grant signs a consent record
 * and its first status record; every change signs one status record.
 */
final class ConsentWrites {
    static final int LOOPS = 16;
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
        String[] tokens = new String[CITIZENS.length];
        for (int i = 0; i < CITIZENS.length; i++) {
            tokens[i] = api.citizen(CITIZENS[i]);
            api.ensureLinked(tokens[i], source);
        }
        Loop[] loops = new Loop[LOOPS];
        for (int i = 0; i < LOOPS; i++) {
            loops[i] = new Loop();
        }
        Cpu cpu = new Cpu(ctx.pid(), ctx.pgData());
        PgWaits waits = new PgWaits(ctx.pgUrl("postgres"), "postgres");
        boolean profile = ctx.option("profile") != null;
        Load.Result r = Load.run("consent-writes", LOOPS, ctx.warmup(3, 150), ctx.warmup(12, 60), (w, rec) -> {
            Loop loop = loops[w];
            String token = tokens[w % CITIZENS.length];
            try {
                if (loop.consent == null) {
                    loop.consent = rec.time("grant", () -> api.consent(token, programmes[w], source));
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
            waits.start();
            if (profile) {
                Jfr.start(ctx.pid(), "consent-writes");
            }
        }, () -> {
            cpu.stop();
            ctx.metrics().put("s1.pg_waits", waits.stop());
            if (profile) {
                Path file = ctx.out().resolve("consent-writes.jfr");
                Jfr.stop(ctx.pid(), "consent-writes", file);
            }
        });
        Metrics m = ctx.metrics();
        m.put("s1.loops", LOOPS);
        m.put("s1.citizens", CITIZENS.length);
        m.put("s1.seconds", r.seconds());
        m.put("s1.csr_per_s", r.rate("csr"));
        m.put("s1.records_per_s", r.rate("records"));
        m.put("s1.requests_per_s", (r.n("grant") + r.n("status")) / r.seconds());
        m.put("s1.p50_ms", r.percentileMs(null, 50));
        m.put("s1.p99_ms", r.percentileMs(null, 99));
        m.put("s1.status_p50_ms", r.percentileMs("status", 50));
        m.put("s1.status_p99_ms", r.percentileMs("status", 99));
        m.put("s1.grant_p50_ms", r.percentileMs("grant", 50));
        m.put("s1.grant_p99_ms", r.percentileMs("grant", 99));
        m.put("s1.errors", r.errors());
        m.put("s1.load", Cpu.loadAverage());
        cpu.record(m, "s1");
        Progress.say("consent writes: %.0f CSR/s, %.0f signed records/s, p50 %.1f ms, p99 %.1f ms",
                r.rate("csr"), r.rate("records"), r.percentileMs(null, 50), r.percentileMs(null, 99));
        inProcess(ctx, programmes, source);
    }

    /**
     * The same loops without HTTP, Spring or tokens: consent-core's {@code Consents} called from the driver's JVM
     * on the operator's database and keystore, 16 threads. What separates this figure from the REST one is the
     * web layer; what separates it from the limits is the transaction (its statements and the log head's lock).
     */
    /** The in-process loops' persons are the demo dataset's 4th to 6th; the export scenario's come after. */
    static final int IN_PROCESS_PERSONS_UNTIL = 6;

    private static void inProcess(Driver.Ctx ctx, String[] programmes, String sourceId) throws Exception {
        UUID source = UUID.fromString(sourceId);
        // Persons of their own: a source patient belongs to one account, and the first three are the REST loops'
        // citizens (alice, bob, carol).
        List<DemoPerson> persons = DemoFhirSource.demoPersons(IN_PROCESS_PERSONS_UNTIL)
                .subList(CITIZENS.length, IN_PROCESS_PERSONS_UNTIL);
        try (Core core = Core.open(ctx, LOOPS)) {
            Account[] accounts = new Account[persons.size()];
            for (int i = 0; i < persons.size(); i++) {
                accounts[i] = core.accounts.forSubject("bench-in-process-" + persons.get(i).patientId());
                if (core.links.list(accounts[i]).stream().noneMatch(l -> l.sourceId().equals(source) && l.isLive())) {
                    core.links.link(accounts[i], persons.get(i).identifier(), source);
                }
            }
            NewConsent[] grants = new NewConsent[LOOPS];
            for (int i = 0; i < LOOPS; i++) {
                grants[i] = new NewConsent(UUID.fromString(programmes[i]), null, null, List.of(source), null, null);
            }
            Loop[] loops = new Loop[LOOPS];
            for (int i = 0; i < LOOPS; i++) {
                loops[i] = new Loop();
            }
            Cpu cpu = new Cpu(ctx.pid(), ctx.pgData());
            PgWaits waits = new PgWaits(ctx.pgUrl("postgres"), "postgres");
            // Here consent-core runs in this JVM, so this JVM is the one to profile (the operator idles).
            jdk.jfr.Recording recording = ctx.option("profile") != null
                    ? new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile")) : null;
            Load.Result r = Load.run("consent-writes-in-process", LOOPS, ctx.warmup(3, 40), ctx.warmup(12, 30), (w, rec) -> {
                Loop loop = loops[w];
                Account account = accounts[w % accounts.length];
                if (loop.consent == null) {
                    loop.consent = rec.time("grant", () -> core.consents.grant(account, grants[w]).id().toString());
                    loop.step = 0;
                    rec.count("csr", 1);
                    return;
                }
                ConsentStatus next = loop.step == 0 ? ConsentStatus.PAUSED : loop.step == 1 ? ConsentStatus.ACTIVE
                        : ConsentStatus.WITHDRAWN;
                rec.time("status", () -> core.consents.changeStatus(account, UUID.fromString(loop.consent), next,
                        StatusRecord.ChangedBy.PERSON, null));
                rec.count("csr", 1);
                loop.step++;
                if (next == ConsentStatus.WITHDRAWN) {
                    loop.consent = null;
                }
            }, () -> {
                cpu.start();
                waits.start();
                if (recording != null) {
                    recording.start();
                }
            }, () -> {
                cpu.stop();
                ctx.metrics().put("s1.in_process.pg_waits", waits.stop());
                if (recording != null) {
                    recording.stop();
                    try {
                        recording.dump(ctx.out().resolve("consent-writes-in-process.jfr"));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } finally {
                        recording.close();
                    }
                }
            });
            Metrics m = ctx.metrics();
            m.put("s1.in_process_csr_per_s", r.rate("csr"));
            m.put("s1.in_process_p50_ms", r.percentileMs(null, 50));
            m.put("s1.in_process_p99_ms", r.percentileMs(null, 99));
            cpu.record(m, "s1.in_process");
            Progress.say("consent writes in process: %.0f CSR/s, p50 %.1f ms, p99 %.1f ms", r.rate("csr"),
                    r.percentileMs(null, 50), r.percentileMs(null, 99));
        }
    }
}
