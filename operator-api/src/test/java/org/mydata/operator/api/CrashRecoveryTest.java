package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mydata.operator.verify.VerifyCommand;
import org.mydata.operator.api.config.DatabaseConfig;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.LogVerifier;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Crashes, as an operator of the service would meet them: the embedded PostgreSQL killed with SIGKILL right
 * after withdrawals were acknowledged, and the operator's JVM killed with SIGKILL. Every acknowledged record
 * must be there afterwards, unchanged, at the log index its receipt names, and the operator must come back
 * without a person's help. Only processes these tests started are killed, by pid.
 */
class CrashRecoveryTest {
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(120);

    /** A withdrawal the operator acknowledged: the receipt the person holds. */
    record Acknowledged(String consentId, String receipt, long logIndex) {
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void acknowledgedWithdrawalsSurviveAKilledPostgresAndTheOperatorHealsItself() throws Exception {
        Path dataDir = Files.createTempDirectory("operator-crash-pg");
        try (ConfigurableApplicationContext operator = new SpringApplicationBuilder(OperatorApplication.class)
                .run("--server.port=0", "--operator.data-dir=" + dataDir)) {
            OperatorHttp http = new OperatorHttp(((WebServerApplicationContext) operator).getWebServer().getPort());
            Journey journey = new Journey(http);
            List<Acknowledged> acknowledged = new ArrayList<>(journey.withdrawals(6));
            // An auditor keeps a checkpoint from before the crash, then more withdrawals are acknowledged.
            JsonNode kept = journey.awaitCheckpointCovering(acknowledged.get(acknowledged.size() - 1).logIndex() + 1);
            acknowledged.addAll(journey.withdrawals(6));

            long pid = postmasterPid(dataDir);
            assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue();
            long killed = System.nanoTime();

            // Backends the killed postmaster left behind may still answer on pooled connections for a moment, so
            // recovery is counted from the watchdog's restart on, then from the first answer after it.
            waitFor("the watchdog to start PostgreSQL again", () ->
                    operator.getBean(DatabaseConfig.EmbeddedDatabase.class).server().restarts() >= 1);
            waitFor("the operator to answer from its restarted database", () ->
                    http.get("/api/v1/me/consents/" + acknowledged.get(0).consentId(), journey.alice).status() == 200);
            long recoveryMs = (System.nanoTime() - killed) / 1_000_000;
            int found = journey.countUnchanged(acknowledged);
            int restarts = operator.getBean(DatabaseConfig.EmbeddedDatabase.class).server().restarts();
            System.out.printf("CRASH postgres kill -9: acknowledged %d withdrawals, found %d unchanged; operator answered "
                    + "again %d ms after the kill (watchdog restarts: %d, no operator restart)%n", acknowledged.size(),
                    found, recoveryMs, restarts);
            assertThat(found).isEqualTo(acknowledged.size());
            assertThat(restarts).isGreaterThanOrEqualTo(1);

            journey.assertLogVerifiesAndGrewFrom(kept, acknowledged);
            // New writes go on after the crash, past every index handed out before it.
            Acknowledged after = journey.withdrawals(1).get(0);
            assertThat(after.logIndex()).isGreaterThan(acknowledged.stream().mapToLong(Acknowledged::logIndex).max()
                    .orElseThrow());
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void theFirstStartAfterTheOperatorsJvmWasKilledComesUpWithItsData() throws Exception {
        Path dataDir = Files.createTempDirectory("operator-crash-jvm");
        int port = freePort();
        Process first = startOperator(dataDir, port, "first");
        Process second = null;
        try {
            OperatorHttp http = new OperatorHttp(port);
            awaitUp(http, first, dataDir, "first");
            Journey journey = new Journey(http);
            List<Acknowledged> acknowledged = journey.withdrawals(5);

            long pgPid = postmasterPid(dataDir);
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            long killed = System.nanoTime();
            assertThat(ProcessHandle.of(pgPid).map(ProcessHandle::isAlive).orElse(false))
                    .as("the embedded PostgreSQL outlives the killed JVM, which is what the restart must cope with")
                    .isTrue();

            second = startOperator(dataDir, port, "second");
            awaitUp(http, second, dataDir, "second");
            long recoveryMs = (System.nanoTime() - killed) / 1_000_000;
            Journey again = new Journey(http);
            int found = again.countUnchanged(acknowledged);
            System.out.printf("CRASH operator JVM kill -9: acknowledged %d withdrawals, found %d unchanged; the first "
                    + "restart answered %d ms after the kill (JVM start included)%n", acknowledged.size(), found, recoveryMs);
            assertThat(found).isEqualTo(acknowledged.size());
            assertThat(log(dataDir, "second")).contains("left by an operator that stopped without shutting it down");
            assertThat(ProcessHandle.of(pgPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            again.assertLogVerifiesAndGrewFrom(null, acknowledged);

            // A graceful stop takes its PostgreSQL with it: nothing is left for the next start to take over.
            second.destroy();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(dataDir.resolve("postgres").resolve("postmaster.pid")).doesNotExist();
        } finally {
            for (Process p : new Process[] {first, second}) {
                if (p != null && p.isAlive()) {
                    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
            stopLeftoverPostgres(dataDir);
        }
    }

    /** A citizen's journey through the real API with real tokens: link, consent, withdraw. */
    static final class Journey {
        final OperatorHttp http;
        final String admin;
        final String alice;
        final String auditor;
        final String source;

        Journey(OperatorHttp http) {
            this.http = http;
            admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
            auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
            String found = null;
            for (JsonNode s : http.get("/api/v1/sources", admin).json()) {
                if (s.get("name").asText().equals(ResearchFixtures.DEMO_SOURCE_NAME)) {
                    found = s.get("id").asText();
                }
            }
            assertThat(found).as("the demo source is registered").isNotNull();
            source = found;
            alice = http.citizenToken("alice", "alice-demo-password");
            boolean linked = false;
            for (JsonNode link : http.get("/api/v1/me/links", alice).json()) {
                linked |= link.get("sourceId").asText().equals(source) && link.get("status").asText().equals("live");
            }
            if (!linked) {
                assertThat(http.post("/api/v1/me/links", alice, Map.of("sourceId", source)).status()).isEqualTo(201);
            }
        }

        /** Grants and withdraws {@code n} consents, each in a programme of its own; returns the receipts. */
        List<Acknowledged> withdrawals(int n) {
            List<String> consents = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                OperatorHttp.Reply programme = http.post("/api/v1/programmes", admin, Map.of("name",
                        "Crash programme " + UUID.randomUUID(), "description", "d", "organisation", "o",
                        "purposes", List.of("dpv:ScientificResearch"), "scope", Map.of("resourceTypes", List.of("Observation")),
                        "termsUri", "https://example.org/t", "termsVersion", "1", "stewards", List.of("steward-demo")));
                assertThat(programme.status()).as(programme.body()).isEqualTo(201);
                OperatorHttp.Reply granted = http.post("/api/v1/me/consents", alice, Map.of("programmeId",
                        programme.json().get("id").asText(), "sourceIds", List.of(source)));
                assertThat(granted.status()).as(granted.body()).isEqualTo(201);
                consents.add(granted.json().get("id").asText());
            }
            // The withdrawals come last and back to back, so a crash right after them meets them fresh.
            List<Acknowledged> acknowledged = new ArrayList<>();
            for (String id : consents) {
                OperatorHttp.Reply withdrawn = http.post("/api/v1/me/consents/" + id + "/status", alice,
                        Map.of("status", "withdrawn"));
                assertThat(withdrawn.status()).as(withdrawn.body()).isEqualTo(200);
                JsonNode last = withdrawn.json().get("statusRecord");
                acknowledged.add(new Acknowledged(id, last.get("record").asText(), last.get("logIndex").asLong()));
            }
            return acknowledged;
        }

        /** How many acknowledged withdrawals read back unchanged: withdrawn, the same receipt, the same log entry. */
        int countUnchanged(List<Acknowledged> acknowledged) {
            int found = 0;
            for (Acknowledged a : acknowledged) {
                OperatorHttp.Reply reply = answered("/api/v1/me/consents/" + a.consentId(), alice);
                if (reply.status() != 200) {
                    continue;
                }
                JsonNode consent = reply.json();
                JsonNode history = consent.get("history");
                JsonNode last = history.get(history.size() - 1);
                JsonNode entry = answered("/api/v1/audit/entries?start=" + a.logIndex() + "&end=" + (a.logIndex() + 1),
                        auditor).json();
                boolean sameEntry = entry.size() == 1 && new String(Base64.getDecoder().decode(entry.get(0).get("entry")
                        .asText()), StandardCharsets.US_ASCII).equals(a.receipt());
                if (consent.get("status").asText().equals("withdrawn") && last.get("record").asText().equals(a.receipt())
                        && last.get("logIndex").asLong() == a.logIndex() && sameEntry) {
                    found++;
                }
            }
            return found;
        }

        /**
         * The answer once the database answers: a 503 says the operator cannot tell yet (its PostgreSQL is being
         * started again), not that a record is missing, so it is asked again for up to a minute.
         */
        OperatorHttp.Reply answered(String path, String token) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            OperatorHttp.Reply reply = http.get(path, token);
            while (reply.status() == 503 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return reply;
                }
                reply = http.get(path, token);
            }
            return reply;
        }

        JsonNode awaitCheckpointCovering(long size) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                OperatorHttp.Reply reply = http.get("/api/v1/audit/checkpoint", auditor);
                if (reply.status() == 200 && reply.json().get("tree_size").asLong() >= size) {
                    return reply.json();
                }
                Thread.sleep(200);
            }
            throw new AssertionError("no checkpoint covered size " + size + " within 60 s");
        }

        /**
         * The auditor's full {@code verify log} passes over a checkpoint covering every acknowledged record, and
         * the checkpoint kept from before the crash is consistent with it: no index was handed out twice.
         */
        void assertLogVerifiesAndGrewFrom(JsonNode kept, List<Acknowledged> acknowledged) throws Exception {
            JsonNode latest = awaitCheckpointCovering(acknowledged.stream().mapToLong(Acknowledged::logIndex).max()
                    .orElseThrow() + 1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int status = VerifyCommand.run(new String[] {"log", "--operator", http.base(), "--token", auditor},
                    new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(VerifyCommand.OK);
            if (kept != null) {
                long from = kept.get("tree_size").asLong();
                long to = latest.get("tree_size").asLong();
                JsonNode proof = http.get("/api/v1/audit/proofs/consistency?from=" + from + "&to=" + to, auditor).json();
                List<Hash> hashes = new ArrayList<>();
                proof.get("consistency").forEach(h -> hashes.add(Hash.fromBase64(h.asText())));
                LogVerifier.verifyConsistency(from, to, Hash.fromBase64(kept.get("root_hash").asText()),
                        Hash.fromBase64(latest.get("root_hash").asText()), hashes);
            }
        }
    }

    // ---- processes ------------------------------------------------------------------------------------

    private static Process startOperator(Path dataDir, int port, String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), OperatorApplication.class.getName(), "--server.port=" + port,
                "--operator.data-dir=" + dataDir);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dataDir.resolve(name + ".log").toFile()).start();
    }

    private static void awaitUp(OperatorHttp http, Process process, Path dataDir, String name) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the " + name + " operator exited with " + process.exitValue() + ":\n"
                        + tail(log(dataDir, name)));
            }
            try {
                if (http.get("/.well-known/jwks.json", null).status() == 200) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the " + name + " operator did not answer within 240 s:\n" + tail(log(dataDir, name)));
    }

    private static String log(Path dataDir, String name) throws IOException {
        return Files.readString(dataDir.resolve(name + ".log"), StandardCharsets.UTF_8);
    }

    private static String tail(String text) {
        return text.length() <= 6000 ? text : text.substring(text.length() - 6000);
    }

    private static long postmasterPid(Path dataDir) throws IOException {
        return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(0).strip());
    }

    /** A PostgreSQL this test's operators started and left behind (after a failure) is stopped, by its pid. */
    private static void stopLeftoverPostgres(Path dataDir) throws Exception {
        Path pidFile = dataDir.resolve("postgres").resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        ProcessHandle handle = ProcessHandle.of(postmasterPid(dataDir)).orElse(null);
        if (handle != null && handle.info().command().map(c -> c.endsWith("postgres")).orElse(false)) {
            handle.destroy();
            waitFor("the left-over PostgreSQL to stop", () -> !handle.isAlive());
        }
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + RECOVERY_BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // the operator may fail requests while its database is away
            }
            Thread.sleep(200);
        }
        throw new AssertionError("gave up waiting for " + what + " after " + RECOVERY_BOUND.toSeconds() + " s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
