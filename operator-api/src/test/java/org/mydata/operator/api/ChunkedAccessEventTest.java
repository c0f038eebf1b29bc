package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Issue 27: an export download whose access event is larger than one log entry may be is released, its event
 * logged in chunks, over real HTTP on an operator of its own whose bound on an entry
 * ({@code operator.log.access-event-chunk-bytes}) is lowered to 700 bytes, so that three persons make several
 * chunks where the scale scenario needed 6,400. The auditor's {@code verify log} passes, from the API and from the
 * tiles; each person sees the export in their access log and their export of their records, and their consent's
 * bundle verifies.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ChunkedAccessEventTest {

    /** An operator of its own (not {@link OperatorTestBase}'s shared one), whose entries are small. */
    @DynamicPropertySource
    static void ownOperatorWithSmallEntries(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-chunked-access").toString();
        registry.add("operator.data-dir", () -> dataDir);
        registry.add("operator.log.access-event-chunk-bytes", () -> "700");
        // Three persons, fewer than any k: the release plan keeps the Patient resources as they are.
        registry.add("operator.gateway.small-cohort-k", () -> "1");
    }

    @LocalServerPort
    int port;

    @Test
    void anExportDownloadLoggedInChunksIsReleasedAndVerifies() throws Exception {
        OperatorHttp http = new OperatorHttp(port);
        ResearchFixtures.issuer = http.base();
        ResearchFixtures fixtures = new ResearchFixtures(http);
        String programme = fixtures.programme(List.of("Patient"));
        List<String> names = List.of("alice", "bob", "carol");
        Map<String, String> consents = new java.util.LinkedHashMap<>();
        Map<String, String> tokens = new java.util.LinkedHashMap<>();
        for (String name : names) {
            tokens.put(name, fixtures.citizen(name));
            consents.put(name, fixtures.consent(tokens.get(name), programme, List.of(fixtures.demoSource), null));
        }
        String permit = fixtures.approvedPermit(programme, List.of("Patient"), "Chunked export study");
        String base = http.base() + "/fhir/" + permit;

        HttpResponse<String> kickOff = BulkClient.send("GET", base + "/$export?_type=Patient", fixtures.researcher,
                null, "Prefer", "respond-async");
        assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
        String status = kickOff.headers().firstValue("Content-Location").orElseThrow();
        HttpResponse<String> done = poll(status, fixtures.researcher);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        JsonNode manifest = OperatorHttp.JSON.readTree(done.body());
        String file = manifest.get("output").get(0).get("url").asText();
        HttpResponse<String> download = BulkClient.send("GET", file, fixtures.researcher, null);
        assertThat(download.statusCode()).as(download.body()).isEqualTo(200);
        assertThat(download.body().lines().filter(l -> !l.isBlank())).hasSize(3);

        // Every person sees the download in their access log and in the export of their own records.
        String eventId = null;
        for (String name : names) {
            JsonNode accesses = http.get("/api/v1/me/access-log", tokens.get(name)).json();
            JsonNode download1 = accesses.valueStream()
                    .filter(a -> a.get("interaction").asText().equals("export-download")).findFirst().orElseThrow();
            assertThat(download1.get("consentId").asText()).isEqualTo(consents.get(name));
            eventId = eventId == null ? download1.get("eventId").asText() : eventId;
            assertThat(download1.get("eventId").asText()).isEqualTo(eventId);
            assertThat(http.get("/api/v1/me/export", tokens.get(name)).body()).contains(eventId);
        }

        // Each consent's bundle holds the chunk that names it, and verifies (it waits for a covering checkpoint).
        String auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
        java.util.Set<Long> chunkIndexes = new java.util.HashSet<>();
        for (String name : names) {
            JsonNode bundle = http.get("/api/v1/audit/consents/" + consents.get(name), auditor).json();
            JsonNode events = bundle.get("access_events");
            assertThat(events.size()).isEqualTo(1);
            String entry = new String(java.util.Base64.getDecoder().decode(events.get(0).get("entry").asText()),
                    java.nio.charset.StandardCharsets.UTF_8);
            assertThat(entry).contains("\"chunk\":{").contains(consents.get(name)).contains(eventId);
            assertThat(entry.length()).isLessThanOrEqualTo(700);
            chunkIndexes.add(events.get(0).get("log_index").asLong());
            StatisticsTest.Run verified = StatisticsTest.verify("consent", "--operator", http.base(), "--consent",
                    consents.get(name), "--token", auditor);
            assertThat(verified.status()).as(verified.output()).isZero();
        }
        assertThat(chunkIndexes).hasSizeGreaterThan(1);

        StatisticsTest.Run log = StatisticsTest.verify("log", "--operator", http.base(), "--token", auditor);
        assertThat(log.status()).as(log.output()).isZero();
        assertThat(log.output()).containsPattern("1 of them logged in [2-9] chunks, each chunk in its place");
        // The tiles publish the newest checkpoint a witness cosigned, which comes a little after the newest one.
        awaitPublishedCheckpointCovering(http, java.util.Collections.max(chunkIndexes) + 1);
        StatisticsTest.Run tiles = StatisticsTest.verify("log", "--tiles", http.base() + "/api/v1/audit/log/",
                "--operator", http.base());
        assertThat(tiles.status()).as(tiles.output()).isZero();
        assertThat(tiles.output()).contains("each chunk in its place").doesNotContain("erased");
    }

    /** Waits until the tiles' checkpoint (a C2SP note: origin, then tree size) covers {@code size} entries. */
    private static void awaitPublishedCheckpointCovering(OperatorHttp http, long size) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        while (true) {
            OperatorHttp.Reply checkpoint = http.get("/api/v1/audit/log/checkpoint", null);
            if (checkpoint.status() == 200 && Long.parseLong(checkpoint.body().lines().skip(1).findFirst()
                    .orElse("0")) >= size) {
                return;
            }
            if (System.nanoTime() > until) {
                throw new AssertionError("no published checkpoint covers " + size + " entries within 60 s: "
                        + checkpoint.status() + " " + checkpoint.body());
            }
            Thread.sleep(200);
        }
    }

    private static HttpResponse<String> poll(String status, String token) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        while (true) {
            HttpResponse<String> reply = BulkClient.send("GET", status, token, null);
            if (reply.statusCode() != 202) {
                return reply;
            }
            assertThat(System.nanoTime()).as("the export ends in time").isLessThan(until);
            Thread.sleep(100);
        }
    }
}
