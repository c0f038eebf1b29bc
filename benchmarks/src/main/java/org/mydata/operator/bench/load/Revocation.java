package org.mydata.operator.bench.load;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.store.Transactions;

/**
 * Scenario 4: a consent is withdrawn on node 1 and the withdrawn person's data is asked for at once through
 * node 2, another operator JVM on the same PostgreSQL. bob and carol keep their consents, so every answer
 * has data in it; alice grants and withdraws again and again. A release of alice's data after her
 * withdrawal returned would be a leak. Every tenth round also checks, before the withdrawal, that node 2
 * does release her data while she consents: the check could see a leak if there were one.
 *
 * <p>The consent check's own cost is measured in-process with the gateway's code (Permits.forUse, then
 * Cohorts.of) against the same database, and set beside node 2's whole request.
 */
final class Revocation {
    private Revocation() {
    }

    static void run(Driver.Ctx ctx) {
        Api node1 = ctx.api();
        Api node2 = new Api(ctx.require("node2"));
        int rounds = Integer.parseInt(ctx.options().getOrDefault("rounds", ctx.quick() ? "100" : "1000"));
        Metrics m = ctx.metrics();
        String admin = node1.admin();
        String source = node1.demoSourceId(admin);
        String programme = node1.programme(admin, "Benchmark revocation", List.of("Patient", "Observation"));
        String alice = node1.citizen("alice");
        node1.ensureLinked(alice, source);
        for (String other : List.of("bob", "carol")) {
            String token = node1.citizen(other);
            node1.ensureLinked(token, source);
            node1.consent(token, programme, source);
        }
        String permit = node1.approvedPermit(node1.researcher(), node1.steward(), programme,
                List.of("Patient", "Observation"));
        // Node 2's authorization server signs with its own key: its researcher token is for node 2 only.
        IGenericClient gateway2 = Fhir.client(node2.base() + "/fhir/" + permit, node2.researcher());

        Set<String> others = ids(Fhir.readAll(gateway2, "Patient"));
        if (others.size() != 2) {
            throw new IllegalStateException("node 2 should release exactly bob and carol, released " + others.size());
        }
        String consent = node1.consent(alice, programme, source);
        String alicePseudonym = joined(gateway2, others).orElseThrow(() ->
                new IllegalStateException("node 2 did not release alice's Patient while she consents"));
        node1.status(alice, consent, "withdrawn").expect(200);
        double[] before = consentCheck(ctx, permit);
        m.put("s4.check_before_p50_ms", before[0]);
        m.put("s4.check_before_p99_ms", before[1]);
        Progress.say("consent check (permit + cohort) with 3 consents in the programme: p50 %.2f ms, p99 %.2f ms",
                before[0], before[1]);

        int leaks = 0;
        int controls = 0;
        int controlsFailed = 0;
        int emptyAnswers = 0;
        long[] requestNanos = new long[rounds];
        Progress.say("revocation: %d rounds of grant on node 1, withdraw on node 1, read on node 2", rounds);
        long started = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            consent = node1.consent(alice, programme, source);
            if (i % 10 == 0) {
                controls++;
                if (!joined(gateway2, others).map(alicePseudonym::equals).orElse(false)) {
                    controlsFailed++;
                }
            }
            node1.status(alice, consent, "withdrawn").expect(200);
            long t0 = System.nanoTime();
            List<Resource> released = Fhir.readAll(gateway2, "Patient");
            requestNanos[i] = System.nanoTime() - t0;
            Set<String> seen = ids(released);
            if (seen.contains(alicePseudonym)) {
                leaks++;
            }
            if (!seen.containsAll(others)) {
                emptyAnswers++;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        m.put("s4.rounds", rounds);
        m.put("s4.leaks", leaks);
        m.put("s4.controls", controls);
        m.put("s4.controls_failed", controlsFailed);
        m.put("s4.incomplete_answers", emptyAnswers);
        m.put("s4.seconds", seconds);
        m.put("s4.request_p50_ms", Stats.percentileMs(requestNanos, 50));
        m.put("s4.request_p99_ms", Stats.percentileMs(requestNanos, 99));
        Progress.say("revocation: %d leaks in %d rounds, %d/%d positive controls failed; node-2 request p50 %.1f ms",
                leaks, rounds, controlsFailed, controls, Stats.percentileMs(requestNanos, 50));

        double[] after = consentCheck(ctx, permit);
        m.put("s4.check_p50_ms", after[0]);
        m.put("s4.check_p99_ms", after[1]);
        m.put("s4.cohort_p50_ms", after[2]);
        m.put("s4.consents_in_programme", rounds + 3);
        Progress.say("consent check (permit + cohort) with %d consents in the programme: p50 %.2f ms, p99 %.2f ms",
                rounds + 3, after[0], after[1]);
        m.put("s4.load", Cpu.loadAverage());
    }

    /**
     * The one Patient node 2 releases besides the others, once its release plan covers the person who joined: a
     * records permit's plan is checked against the cohort at most every 30 s per node (ReleasePlans.RECHECK), and
     * until it covers a newcomer nothing of theirs is released (fail closed), so a positive control waits for it.
     * Empty if none within a minute and a half.
     */
    private static java.util.Optional<String> joined(IGenericClient gateway, Set<String> others) {
        long until = System.nanoTime() + 90_000_000_000L;
        while (true) {
            Set<String> all = ids(Fhir.readAll(gateway, "Patient"));
            all.removeAll(others);
            if (all.size() == 1) {
                return java.util.Optional.of(all.iterator().next());
            }
            if (System.nanoTime() > until) {
                return java.util.Optional.empty();
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * What the gateway asks the database at the start of every request (PermitGuard: Permits.forUse; the broker:
     * Cohorts.of), timed in-process against the same database: p50, p99 of both, p50 of the cohort alone.
     */
    private static double[] consentCheck(Driver.Ctx ctx, String permit) {
        try (HikariDataSource ds = new HikariDataSource()) {
            ds.setJdbcUrl(ctx.pgUrl("postgres"));
            ds.setUsername("postgres");
            ds.setMaximumPoolSize(2);
            Transactions tx = new Transactions(ds);
            Permits permits = new Permits(tx);
            Cohorts cohorts = new Cohorts(tx);
            UUID permitId = UUID.fromString(permit);
            int samples = ctx.quick() ? 300 : 1000;
            long[] check = new long[samples];
            long[] cohortOnly = new long[samples];
            for (int i = -200; i < samples; i++) {
                long t0 = System.nanoTime();
                Permit p = permits.forUse(permitId, "researcher-demo", Instant.now()).orElseThrow().permit();
                long t1 = System.nanoTime();
                int size = cohorts.of(p, "Patient", Instant.now()).size();
                long t2 = System.nanoTime();
                if (size != 2) {
                    throw new IllegalStateException("the cohort should be bob and carol, is " + size);
                }
                if (i >= 0) {
                    check[i] = t2 - t0;
                    cohortOnly[i] = t2 - t1;
                }
            }
            return new double[] {Stats.percentileMs(check, 50), Stats.percentileMs(check, 99),
                    Stats.percentileMs(cohortOnly, 50)};
        }
    }

    private static Set<String> ids(List<Resource> resources) {
        Set<String> ids = new HashSet<>();
        resources.forEach(r -> ids.add(r.getIdElement().getIdPart()));
        return ids;
    }

}
