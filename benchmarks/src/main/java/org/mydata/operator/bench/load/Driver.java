package org.mydata.operator.bench.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The load driver that benchmarks/run.sh starts against a running operator: one scenario per call, each
 * writing its figures to {@code <out>/metrics.properties}; {@code report} turns them and JMH's results
 * into the table.
 *
 * <pre>
 * java -cp ... org.mydata.operator.bench.load.Driver SCENARIO --out DIR [--quick] [--base URL] [--pg-port N]
 *     [--pid PID] [--data-dir DIR] [--node2 URL] [--floor-base URL --floor-pid PID --floor-key FILE]
 *     [--source-base URL --source-pid PID]
 * SCENARIO: consent-writes | insert-limit | floor | gateway | export | revocation | statistics-withdrawal | verify-log
 *     | log | scale | report | jfr-top FILE
 * </pre>
 */
public final class Driver {

    /** What every scenario gets: where the operator is, how long to run, where figures go. */
    record Ctx(Map<String, String> options, boolean quick, Path out, Metrics metrics) {
        String base() {
            return require("base");
        }

        Api api() {
            return new Api(base());
        }

        int pgPort() {
            return Integer.parseInt(require("pg-port"));
        }

        long pid() {
            return Long.parseLong(require("pid"));
        }

        Path dataDir() {
            return Path.of(require("data-dir"));
        }

        /** The embedded PostgreSQL's data directory under the operator's data dir. */
        Path pgData() {
            return dataDir().resolve("postgres");
        }

        String option(String name) {
            return options.get(name);
        }

        String require(String name) {
            String value = options.get(name);
            if (value == null) {
                throw new IllegalArgumentException("--" + name + " is required for this scenario");
            }
            return value;
        }

        /** Warm-up and measured window: short in quick mode. */
        Duration warmup(int quickSeconds, int fullSeconds) {
            return Duration.ofSeconds(quick ? quickSeconds : fullSeconds);
        }

        /**
         * The operator's embedded PostgreSQL asks every connection for the superuser's password (SCRAM), which it
         * keeps 0600 beside its data ({@code postgres.secret}, docs/operating.md); the URL carries it, so that every
         * scenario's connection, whatever user and password it passes besides, authenticates.
         */
        String pgUrl(String database) {
            String url = "jdbc:postgresql://localhost:" + pgPort() + "/" + database;
            java.nio.file.Path secret = options.containsKey("data-dir") ? dataDir().resolve("postgres.secret") : null;
            if (secret == null || !java.nio.file.Files.isReadable(secret)) {
                return url;
            }
            try {
                String password = java.nio.file.Files.readString(secret).strip();
                return url + "?user=postgres&password="
                        + java.net.URLEncoder.encode(password, java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: Driver SCENARIO --out DIR [--quick] [--base URL] [--pg-port N] [--pid PID] "
                    + "[--data-dir DIR] [--node2 URL]");
            System.exit(2);
        }
        String scenario = args[0];
        Map<String, String> options = new HashMap<>();
        String positional = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                options.put("quick", "true");
            } else if (args[i].startsWith("--")) {
                options.put(args[i].substring(2), args[++i]);
            } else {
                positional = args[i];
            }
        }
        Path out = Path.of(options.getOrDefault("out", "."));
        Ctx ctx = new Ctx(options, options.containsKey("quick"), out, new Metrics(out.resolve("metrics.properties")));
        switch (scenario) {
            case "consent-writes" -> ConsentWrites.run(ctx);
            case "insert-limit" -> InsertLimit.run(ctx);
            case "floor" -> FloorWrites.run(ctx);
            case "gateway" -> GatewayOverhead.run(ctx);
            case "gateway-jpa" -> JpaBaseline.run(ctx); // jpabase: a real FHIR server as the baseline
            case "release-cost" -> ReleaseCost.run(ctx); // jpabase: the release path per resource
            case "export" -> ExportScenario.run(ctx);
            case "revocation" -> Revocation.run(ctx);
            case "statistics-withdrawal" -> StatisticsScenario.withdrawalRounds(ctx);
            case "log" -> LogScenario.run(ctx);
            case "scale" -> ScaleScenario.run(ctx); // scale: issue 27 item 4
            case "verify-log" -> VerifyLog.run(ctx);
            case "report" -> Report.run(ctx);
            case "jfr-top" -> System.out.print(Jfr.top(Path.of(positional), 12));
            default -> {
                System.err.println("unknown scenario " + scenario);
                System.exit(2);
            }
        }
        // Daemon pools of HAPI and the HTTP client must not keep the driver alive.
        System.exit(0);
    }
}
