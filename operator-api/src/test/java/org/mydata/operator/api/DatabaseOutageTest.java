package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.mydata.operator.api.config.EmbeddedPostgresServer;
import java.io.IOException;
import java.net.CookieManager;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.demo.DemoConfig;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * PostgreSQL goes away under load and comes back. The test starts its own PostgreSQL on a port it picked,
 * points the operator at it, and stops and restarts only that server. While it is away every request is
 * answered quickly with 503, {@code Retry-After} and a problem document; once it is back, requests succeed
 * again without a restart of the operator, and no acknowledged consent is missing.
 */
class DatabaseOutageTest {
    /** A bound on a failure mode, far above the pool's 3 s connection timeout: not a speed benchmark. */
    private static final Duration FAIL_FAST = Duration.ofSeconds(10);
    private static final Duration CLIENT_GIVES_UP = Duration.ofSeconds(60);

    /** Enough for the acknowledged grants before and after the outage (some 10 each, three loops overshooting). */
    private static final int PROGRAMMES = 200;

    private record Answer(String key, int status, String type, String retryAfter, String contentType,
                          String consentId, long millis, boolean duringOutage) {
    }

    @Test
    void requestsFailFastWhileTheDatabaseIsAwayAndSucceedOnceItIsBack() throws Exception {
        Path dataDir = Files.createTempDirectory("operator-outage");
        Path pgDir = dataDir.resolve("own-postgres");
        int pgPort = freePort();
        EmbeddedPostgres pg = postgres(pgDir, pgPort);
        ExecutorService load = Executors.newFixedThreadPool(3);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean away = new AtomicBoolean(false);
        List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> broken = Collections.synchronizedList(new ArrayList<>());
        try (ConfigurableApplicationContext operator = new SpringApplicationBuilder(OperatorApplication.class).run(
                "--server.port=0", "--operator.data-dir=" + dataDir,
                "--spring.datasource.url=jdbc:postgresql://localhost:" + pgPort + "/postgres",
                "--spring.datasource.username=postgres")) {
            int port = ((WebServerApplicationContext) operator).getWebServer().getPort();
            OperatorHttp http = new OperatorHttp(port);
            String alice = http.citizenToken("alice", "alice-demo-password");
            String researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
            String sourceId = named(http.get("/api/v1/sources", http.clientToken("admin-demo", "admin-demo-secret",
                    "admin")).json(), DemoConfig.DEMO_SOURCE_NAME);
            assertThat(http.post("/api/v1/me/links", alice, Map.of("sourceId", sourceId)).status()).isEqualTo(201);
            // Every stored grant is a new consent only in a programme of its own (one live consent per person and
            // programme; a repeat is answered with the live one and writes nothing), so the load draws programmes
            // from a pool: a grant that was stored, or may have been, moves on to the next.
            String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
            List<String> programmes = new ArrayList<>();
            for (int i = 0; i < PROGRAMMES; i++) {
                programmes.add(http.post("/api/v1/programmes", admin, Map.of("name", "Outage programme " + i,
                        "description", "d", "organisation", "o", "purposes", List.of("dpv:ScientificResearch"),
                        "scope", Map.of("resourceTypes", List.of("Observation")), "termsUri",
                        "https://example.org/terms", "termsVersion", "1", "stewards", List.of("steward-demo")))
                        .json().get("id").asText());
            }
            AtomicInteger nextProgramme = new AtomicInteger();
            Map<String, String> bodies = new ConcurrentHashMap<>();
            HttpClient browser = signedInBrowser(http.base(), "alice", "alice-demo-password");

            for (int i = 0; i < 3; i++) {
                load.submit(() -> {
                    int mine = nextProgramme.getAndIncrement();
                    while (running.get() && mine < PROGRAMMES) {
                        try {
                            String key = UUID.randomUUID().toString();
                            String body = "{\"programmeId\":\"" + programmes.get(mine) + "\"}";
                            bodies.put(key, body);
                            Answer answer = grant(http, alice, key, body, away.get());
                            answers.add(answer);
                            if (answer.status() == 201
                                    || "urn:mydata-operator:problem:outcome-unknown".equals(answer.type())) {
                                mine = nextProgramme.getAndIncrement();
                            }
                        } catch (Throwable t) {
                            broken.add(t);
                            return;
                        }
                    }
                });
            }
            waitFor(() -> acknowledged(answers).size() >= 10, Duration.ofSeconds(60));

            pg.close();
            away.set(true);
            Thread.sleep(1_000); // requests that were under way when it stopped have been answered by now
            long outageStarted = answers.size();

            // Reads, the citizen pages and the FHIR gateway fail as fast, each in its own format.
            for (int i = 0; i < 2; i++) {
                long started = System.nanoTime();
                HttpResponse<String> read = http.exchange("GET", "/api/v1/me/consents", alice, null, CLIENT_GIVES_UP);
                assertFailedFast(read, started, "application/problem+json");
                assertThat(OperatorHttp.JSON.readTree(read.body()).get("type").asText())
                        .isEqualTo("urn:mydata-operator:problem:database-unavailable");

                started = System.nanoTime();
                HttpResponse<String> page = browser.send(HttpRequest.newBuilder(URI.create(http.base() + "/app/consents"))
                        .timeout(CLIENT_GIVES_UP).header("Accept", "text/html").GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertFailedFast(page, started, "text/html");
                assertThat(page.body()).contains("cannot reach its records");

                started = System.nanoTime();
                HttpResponse<String> fhir = http.exchange("GET", "/fhir/" + UUID.randomUUID() + "/Patient", researcher,
                        null, CLIENT_GIVES_UP, "Accept", "application/fhir+json");
                assertFailedFast(fhir, started, "application/fhir+json");
                assertThat(fhir.body()).contains("OperationOutcome").contains("cannot reach its database");
            }
            Thread.sleep(3_000);
            long failedDuringOutage = answers.size() - outageStarted;

            long restarting = System.nanoTime();
            pg = postgres(pgDir, pgPort);
            away.set(false);
            waitFor(() -> http.get("/api/v1/me/consents", alice).status() == 200, Duration.ofSeconds(60));
            long recoveredMillis = (System.nanoTime() - restarting) / 1_000_000;
            int ackedBefore = acknowledged(answers).size();
            waitFor(() -> acknowledged(answers).size() >= ackedBefore + 10, Duration.ofSeconds(60));
            running.set(false);
            load.shutdown();
            assertThat(load.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
            assertThat(broken).isEmpty();

            List<Answer> during = answers.stream().filter(Answer::duringOutage).toList();
            assertThat(failedDuringOutage).as("requests answered while PostgreSQL was away").isPositive();
            for (Answer a : during) {
                if (a.status() == 201) {
                    continue; // its commit came before the stop
                }
                assertThat(a.status()).isEqualTo(503);
                assertThat(a.contentType()).startsWith("application/problem+json");
                assertThat(a.retryAfter()).isNotNull();
                assertThat(a.type()).isIn("urn:mydata-operator:problem:database-unavailable",
                        "urn:mydata-operator:problem:outcome-unknown");
                assertThat(Duration.ofMillis(a.millis())).isLessThan(FAIL_FAST);
            }
            assertThat(answers).allMatch(a -> a.status() == 201 || a.status() == 503, "only 201 or 503");

            // A commit whose outcome was unknown is settled by retrying with its key: replayed, reported as
            // carried out, or carried out now. Either way it then exists exactly once.
            int settledUnknown = 0;
            for (Answer a : answers) {
                if ("urn:mydata-operator:problem:outcome-unknown".equals(a.type())) {
                    Answer retry = grant(http, alice, a.key(), bodies.get(a.key()), false);
                    assertThat(retry.status()).isIn(201, 409);
                    settledUnknown++;
                }
            }
            List<String> acked = acknowledged(answers);
            JsonNode stored = http.get("/api/v1/me/consents", alice).json();
            List<String> storedIds = new ArrayList<>();
            stored.forEach(c -> storedIds.add(c.get("id").asText()));
            assertThat(storedIds).as("every acknowledged consent is stored").containsAll(acked);
            // A 503 that said "nothing was changed" changed nothing.
            assertThat(storedIds).hasSize(acked.size() + settledUnknown);
            for (String id : acked) {
                assertThat(http.get("/api/v1/me/consents/" + id, alice).json().get("status").asText()).isEqualTo("active");
            }
            System.out.printf("outage: %d acknowledged, %d answered 503 while away (%d with unknown outcome), "
                            + "slowest 503 %d ms, first success %d ms after PostgreSQL was started again%n",
                    acked.size(), during.stream().filter(a -> a.status() == 503).count(), settledUnknown,
                    during.stream().filter(a -> a.status() == 503).mapToLong(Answer::millis).max().orElse(0),
                    recoveredMillis);
        } finally {
            running.set(false);
            load.shutdownNow();
            pg.close();
        }
    }

    private static Answer grant(OperatorHttp http, String token, String key, String body, boolean away) {
        long started = System.nanoTime();
        HttpResponse<String> response = http.exchange("POST", "/api/v1/me/consents", token, body, CLIENT_GIVES_UP,
                "Idempotency-Key", key);
        long millis = (System.nanoTime() - started) / 1_000_000;
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        JsonNode json = contentType.contains("json") ? OperatorHttp.JSON.readTree(response.body()) : null;
        String type = json != null && json.has("type") ? json.get("type").asText() : null;
        String id = response.statusCode() == 201 ? json.get("id").asText() : null;
        return new Answer(key, response.statusCode(), type, response.headers().firstValue("Retry-After").orElse(null),
                contentType, id, millis, away);
    }

    private static List<String> acknowledged(List<Answer> answers) {
        synchronized (answers) {
            return answers.stream().filter(a -> a.status() == 201).map(Answer::consentId).toList();
        }
    }

    private static void assertFailedFast(HttpResponse<String> response, long startedNanos, String contentType) {
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith(contentType);
        assertThat(took).isLessThan(FAIL_FAST);
    }

    private static EmbeddedPostgres postgres(Path dir, int port) throws IOException {
        // Durable as production must be: the operator refuses a server that could lose acknowledged commits.
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                .setPort(port);
        EmbeddedPostgresServer.DURABLE.forEach(builder::setServerConfig);
        return builder.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String named(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (item.get("name").asText().equals(name)) {
                return item.get("id").asText();
            }
        }
        throw new IllegalStateException("nothing named " + name);
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitFor(Condition condition, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + atMost);
            }
            Thread.sleep(200);
        }
    }

    /** A browser session on the citizen pages, signed in through the login form. */
    private static HttpClient signedInBrowser(String base, String user, String password) throws Exception {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        String login = browser.send(HttpRequest.newBuilder(URI.create(base + "/login")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(login);
        assertThat(csrf.find()).isTrue();
        String form = "username=" + user + "&password=" + password + "&_csrf="
                + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
        HttpResponse<String> signedIn = browser.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signedIn.statusCode()).isEqualTo(302);
        assertThat(browser.send(HttpRequest.newBuilder(URI.create(base + "/app/consents")).header("Accept", "text/html")
                .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        return browser;
    }
}
