package org.mydata.operator.bench.load;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 6: statistical answers (docs/statistics.md). Run inside scenario 3, on each export cohort's permit:
 * a typical request's first answer (the store is empty: the cohort is read from the source as the export reads
 * it) set beside exporting the same three types, then repeated answers (the store holds the views' rows) and the
 * live heap after them. And, beside scenario 4, withdrawal rounds over two nodes: alice consents on node 1,
 * withdraws on node 1, node 2 answers at once, and her own access log must not show that answer.
 */
final class StatisticsScenario {
    static final List<String> TYPES = List.of("Patient", "Condition", "Observation");

    /** Persons with diabetes (SNOMED CT 44054006) by 10-year age band and sex. */
    static final String DIABETES_BY_AGE_AND_SEX = """
            {"views": [{"resourceType": "ViewDefinition", "name": "patient", "resource": "Patient", "status": "active",
                        "select": [{"column": [{"name": "sex", "path": "gender"},
                                               {"name": "birthDate", "path": "birthDate"}]}]},
                       {"resourceType": "ViewDefinition", "name": "condition", "resource": "Condition",
                        "status": "active",
                        "select": [{"forEach": "code.coding", "column": [{"name": "code", "path": "code"}]}]}],
             "cohort": [{"view": "condition", "column": "code", "in": ["44054006"]}],
             "groupBy": [{"view": "patient", "column": "birthDate", "as": "age", "generalise": "ageBand10"},
                         {"view": "patient", "column": "sex", "as": "sex", "generalise": "value"}],
             "measures": [{"persons": true}]}""";

    /** The mean HbA1c (LOINC 4548-4) by year. */
    static final String HBA1C_BY_YEAR = """
            {"views": [{"resourceType": "ViewDefinition", "name": "hba1c", "resource": "Observation",
                        "status": "active",
                        "where": [{"path": "code.coding.where(system = 'http://loinc.org' and code = '4548-4').exists()"}],
                        "select": [{"column": [{"name": "effective", "path": "effective.ofType(dateTime)"},
                                               {"name": "value", "path": "value.ofType(Quantity).value"}]}]}],
             "groupBy": [{"view": "hba1c", "column": "effective", "as": "year", "generalise": "year"}],
             "measures": [{"persons": true}, {"mean": {"view": "hba1c", "column": "value"}, "as": "mean_hba1c"}]}""";

    private StatisticsScenario() {
    }

    /**
     * On one export cohort's permit: the typical request's first answer, the same types exported, repeated answers
     * and the live heap after them.
     */
    static void measure(Driver.Ctx ctx, Api api, HttpClient http, String researcher, String permit, String key,
                        Path gcLog) throws Exception {
        Metrics m = ctx.metrics();
        long t0 = System.nanoTime();
        long exported = ExportScenario.export(api, http, researcher, permit, TYPES);
        double exportSeconds = (System.nanoTime() - t0) / 1e9;

        long t1 = System.nanoTime();
        answer(api, researcher, permit, DIABETES_BY_AGE_AND_SEX);
        answer(api, researcher, permit, HBA1C_BY_YEAR);
        double firstSeconds = (System.nanoTime() - t1) / 1e9;

        // A permit answers at most its programme's answers per day (50 by default), the two first answers included:
        // 60 repeats made the full run's first permit refuse with 429 (2026-12-07).
        int repeats = ctx.quick() ? 20 : 48;
        long[] nanos = new long[repeats];
        for (int i = 0; i < repeats; i++) {
            long t = System.nanoTime();
            answer(api, researcher, permit, i % 2 == 0 ? DIABETES_BY_AGE_AND_SEX : HBA1C_BY_YEAR);
            nanos[i] = System.nanoTime() - t;
        }
        Jfr.jcmd(ctx.pid(), "GC.run");
        double live = lastFullGcLive(gcLog);
        m.put(key + ".stats_export_types_resources", exported);
        m.put(key + ".stats_export_types_seconds", exportSeconds);
        m.put(key + ".stats_first_seconds", firstSeconds);
        m.put(key + ".stats_first_vs_export", firstSeconds / exportSeconds);
        m.put(key + ".stats_repeat_p50_ms", Stats.percentileMs(nanos, 50));
        m.put(key + ".stats_repeat_p99_ms", Stats.percentileMs(nanos, 99));
        m.put(key + ".stats_live_after_mb", live);
        Progress.say("statistics: first answers (two requests) %.1f s, exporting %s %.1f s (%.2f×); repeated answers "
                        + "p50 %.0f ms, p99 %.0f ms; live heap after them %.0f MB", firstSeconds, TYPES, exportSeconds,
                firstSeconds / exportSeconds, Stats.percentileMs(nanos, 50), Stats.percentileMs(nanos, 99), live);
    }

    private static void answer(Api api, String researcher, String permit, String request) {
        api.post("/api/v1/permits/" + permit + "/statistics", researcher, request).expect(200);
    }

    /** The heap occupancy after the last full GC of the operator's GC log, in MB. */
    private static double lastFullGcLive(Path gcLog) throws Exception {
        double live = Double.NaN;
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("Pause Full.*?(\\d+)M->(\\d+)M");
        for (String l : java.nio.file.Files.readAllLines(gcLog)) {
            java.util.regex.Matcher found = line.matcher(l);
            if (found.find()) {
                live = Double.parseDouble(found.group(2));
            }
        }
        return live;
    }

    /**
     * Withdrawal rounds over two nodes: alice consents and withdraws on node 1, node 2 answers at once; an answer
     * that counted her is a leak, read from her own access log on node 1. bob and carol stay. Every tenth round
     * first checks that node 2 does count her while she consents. A permit answers at most its programme's
     * answers per day, so the rounds move to a fresh permit of the same programme before that.
     */
    static void withdrawalRounds(Driver.Ctx ctx) {
        Api node1 = ctx.api();
        Api node2 = new Api(ctx.require("node2"));
        int rounds = Integer.parseInt(ctx.options().getOrDefault("rounds", ctx.quick() ? "30" : "1000"));
        int perPermit = 50; // the programme's default answers per day (150 made the full run of 12-07 stop at a 429)
        Metrics m = ctx.metrics();
        String admin = node1.admin();
        String source = node1.demoSourceId(admin);
        String programme = node1.programme(admin, "Benchmark statistics withdrawal", List.of("Patient"));
        String alice = node1.citizen("alice");
        node1.ensureLinked(alice, source);
        for (String other : List.of("bob", "carol")) {
            String token = node1.citizen(other);
            node1.ensureLinked(token, source);
            node1.consent(token, programme, source);
        }
        String researcher1 = node1.researcher();
        String steward = node1.steward();
        String researcher2 = node2.researcher();
        List<String> permits = new ArrayList<>();
        int leaks = 0;
        int controls = 0;
        int controlsFailed = 0;
        long[] nanos = new long[rounds];
        String request = """
                {"views": [{"resourceType": "ViewDefinition", "name": "patient", "resource": "Patient",
                            "status": "active", "select": [{"column": [{"name": "sex", "path": "gender"}]}]}],
                 "measures": [{"persons": true}]}""";
        Progress.say("statistics withdrawal: %d rounds of consent and withdraw on node 1, answer on node 2", rounds);
        for (int i = 0; i < rounds; i++) {
            // Each permit answers at most perPermit (controls included) of the day's answers.
            if (i % (perPermit / 2) == 0) {
                permits.add(node1.approvedPermit(researcher1, steward, programme, List.of("Patient")));
            }
            String permit = permits.get(permits.size() - 1);
            String consent = node1.consent(alice, programme, source);
            if (i % 10 == 0) {
                controls++;
                int before = counted(node1, alice, permit);
                node2.post("/api/v1/permits/" + permit + "/statistics", researcher2, request).expect(200);
                if (counted(node1, alice, permit) != before + 1) {
                    controlsFailed++;
                }
            }
            node1.status(alice, consent, "withdrawn").expect(200);
            int before = counted(node1, alice, permit);
            long t0 = System.nanoTime();
            node2.post("/api/v1/permits/" + permit + "/statistics", researcher2, request).expect(200);
            nanos[i] = System.nanoTime() - t0;
            if (counted(node1, alice, permit) != before) {
                leaks++;
            }
        }
        m.put("s6.rounds", rounds);
        m.put("s6.leaks", leaks);
        m.put("s6.controls", controls);
        m.put("s6.controls_failed", controlsFailed);
        m.put("s6.answer_p50_ms", Stats.percentileMs(nanos, 50));
        Progress.say("statistics withdrawal: %d answers counting a withdrawn person in %d rounds, %d/%d controls "
                + "failed; node-2 answer p50 %.1f ms", leaks, rounds, controlsFailed, controls,
                Stats.percentileMs(nanos, 50));
    }

    /** Answers under the permit that counted the citizen, by their own access log. */
    private static int counted(Api node, String citizen, String permit) {
        int n = 0;
        for (var access : node.get("/api/v1/me/access-log", citizen).expect(200).json()) {
            if (access.get("permitId").asText().equals(permit)) {
                n++;
            }
        }
        return n;
    }
}
