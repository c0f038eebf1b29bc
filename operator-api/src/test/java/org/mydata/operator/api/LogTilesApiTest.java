package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.api.config.EmbeddedWitness;
import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.log.Tile;
import org.mydata.operator.verify.VerifyCommand;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The log as C2SP tlog-tiles: public, cacheable as the specification says, copied into a directory by
 * following the links of its prefix (as {@code wget --mirror} does), and audited from that copy, from the
 * tiles over HTTP and from the auditor API with the same findings; the embedded witness's cosignature satisfies a
 * verifier's witness policy.
 */
class LogTilesApiTest extends OperatorTestBase {
    private static final String PREFIX = "/api/v1/audit/log/";
    private static final Pattern LINK = Pattern.compile("href=\"([^\"]+)\"");
    private final HttpClient client = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Autowired
    EmbeddedWitness embeddedWitness;

    @Test
    void theTilesAreServedPubliclyMirroredAndAuditedWithTheSameFindingsAsTheApi() throws Exception {
        // Records of our own (a link, a consent, a pause), so the log has entries and a checkpoint to copy.
        String alice = alice();
        String admin = admin();
        String demoSource = null;
        for (JsonNode source : http.get("/api/v1/sources", admin).json()) {
            if (source.get("name").asText().equals("Demo Hospital (Synthea)")) {
                demoSource = source.get("id").asText();
            }
        }
        if (!http.get("/api/v1/me/links", alice).body().contains(demoSource)) {
            http.post("/api/v1/me/links", alice, Map.of("sourceId", demoSource));
        }
        // A key rotation first: checkpoints are signed with the new key from here on, and the embedded witness
        // must go on cosigning them.
        assertThat(http.post("/api/v1/admin/keys/rotate", admin, "{}").status()).isEqualTo(200);
        String programme = http.post("/api/v1/programmes", admin, Map.of(
                "name", "Tiles programme " + java.util.UUID.randomUUID(), "description", "d", "organisation", "o",
                "purposes", List.of("dpv:ScientificResearch"), "scope", Map.of("resourceTypes", List.of("Observation")),
                "termsUri", "https://example.org/terms", "termsVersion", "1", "stewards", List.of("steward-demo")))
                .json().get("id").asText();
        String consent = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme,
                "sourceIds", List.of(demoSource))).json().get("id").asText();
        http.post("/api/v1/me/consents/" + consent + "/status", alice, Map.of("status", "paused"));
        long size = mirror();
        assertThat(size).isPositive();

        HttpResponse<byte[]> checkpoint = get("checkpoint");
        assertThat(checkpoint.statusCode()).isEqualTo(200);
        assertThat(checkpoint.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain")
                .containsIgnoringCase("charset=utf-8");
        assertThat(checkpoint.headers().firstValue("Cache-Control").orElseThrow()).contains("max-age=5");
        for (Tile tile : Tile.allInTree(size)) {
            HttpResponse<byte[]> reply = get(tile.path());
            assertThat(reply.statusCode()).as(tile.path()).isEqualTo(200);
            assertThat(reply.headers().firstValue("Content-Type").orElseThrow()).isEqualTo("application/octet-stream");
            assertThat(reply.body()).hasSize(32 * tile.width());
            String cache = reply.headers().firstValue("Cache-Control").orElseThrow();
            if (tile.isFull()) {
                assertThat(cache).contains("public").contains("max-age=31536000").contains("immutable");
            } else {
                assertThat(cache).contains("max-age=60").doesNotContain("immutable");
            }
        }
        assertThat(get("tile/0/0001").statusCode()).as("not the canonical path").isEqualTo(404);
        assertThat(get("tile/entries/x999/000").statusCode()).isEqualTo(404);
        assertThat(get("tile/3/000").statusCode()).isEqualTo(404);

        Files.writeString(dir.resolve("jwks.json"), http.get("/.well-known/jwks.json", null).body());
        String auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
        Path mirror = dir.resolve("mirror");
        String jwks = dir.resolve("jwks.json").toString();
        Run fromMirror = verify("log", "--tiles", mirror.toString(), "--jwks", jwks);
        Run fromFileUri = verify("log", "--tiles", mirror.toUri().toString(), "--operator", http.base());
        Run fromApi = verify("log", "--operator", http.base(), "--token", auditor, "--to", Long.toString(size));
        assertThat(fromMirror.status()).as(fromMirror.output()).isZero();
        assertThat(fromApi.status()).as(fromApi.output()).isZero();
        assertThat(fromMirror.findings()).isEqualTo(fromApi.findings()).isEqualTo(fromFileUri.findings());
        assertThat(fromMirror.output()).contains("Verifying the log of " + size + " entries");

        // The documented command, where wget is installed (Debian's is, in CI): the same audit from its copy.
        if (Files.isExecutable(Path.of("/usr/bin/wget"))) {
            Run fromWget = null;
            // As auditing.md says: when the checkpoint moved on while copying (a witness cosigned a newer one), copy again.
            for (int attempt = 0; attempt < 20 && (fromWget == null || fromWget.status() != 0); attempt++) {
                Path copy = dir.resolve("wget-" + attempt);
                Process wget = new ProcessBuilder("/usr/bin/wget", "--mirror", "--no-parent", "--no-host-directories",
                        "--cut-dirs=4", "--quiet", "-P", copy.toString(), http.base() + PREFIX)
                        .redirectErrorStream(true).start();
                assertThat(wget.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(copy.resolve("checkpoint")).exists();
                fromWget = verify("log", "--tiles", copy.toString(), "--jwks", jwks);
            }
            assertThat(fromWget.status()).as(fromWget.output()).isZero();
        }

        // The embedded default's witness cosigned the published checkpoint: a verifier that requires it is satisfied,
        // from the mirror, and for alice's consent, whose bundle's checkpoint lies on the witnessed history.
        String witness = embeddedWitness.server().orElseThrow().witness().key().verifierKey();
        Run witnessed = verify("log", "--tiles", mirror.toString(), "--jwks", jwks, "--witness", witness);
        assertThat(witnessed.status()).as(witnessed.output()).isZero();
        assertThat(witnessed.output()).contains("PASS  witnesses").contains(EmbeddedWitness.NAME);
        Run ofConsent = null;
        for (int attempt = 0; attempt < 100 && (ofConsent == null || ofConsent.status() != 0); attempt++) {
            // The bundle's checkpoint may be newer than the last one cosigned until the witness's next round.
            Thread.sleep(attempt == 0 ? 0 : 200);
            ofConsent = verify("consent", "--operator", http.base(), "--consent", consent, "--token", auditor,
                    "--tiles", http.base() + PREFIX, "--witness", witness);
        }
        assertThat(ofConsent.status()).as(ofConsent.output()).isZero();
        assertThat(ofConsent.output()).contains("PASS  witnessed").contains("PASS  witnesses");

        // The mirror is only as good as what it holds: an altered entry is found, a missing tile is reported.
        Tile last = Tile.inTree(0, (size - 1) / Tile.WIDTH, size).orElseThrow();
        Path bundle = mirror.resolve(last.entriesPath());
        byte[] bytes = Files.readAllBytes(bundle);
        bytes[bytes.length - 1] ^= 1;
        Files.write(bundle, bytes);
        Run altered = verify("log", "--tiles", mirror.toString(), "--jwks", jwks);
        assertThat(altered.status()).as(altered.output()).isEqualTo(VerifyCommand.FAILED);
        assertThat(altered.output()).contains("FAIL  entries");
        Files.delete(bundle);
        assertThat(verify("log", "--tiles", mirror.toString(), "--jwks", jwks).status()).isEqualTo(VerifyCommand.USAGE);
    }

    /**
     * Copies the prefix as a static copier would: the listing, then every link in it, each to the same relative
     * path. Repeats when the log grew between the listing and the checkpoint, so that the copy is of one tree.
     */
    private long mirror() throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            String index = new String(get("").body(), StandardCharsets.UTF_8);
            List<String> links = new ArrayList<>();
            Matcher m = LINK.matcher(index);
            while (m.find()) {
                links.add(m.group(1));
            }
            Path mirror = dir.resolve("mirror");
            for (String link : links) {
                HttpResponse<byte[]> reply = get(link);
                assertThat(reply.statusCode()).as(link).isEqualTo(200);
                Path file = mirror.resolve(link);
                Files.createDirectories(file.getParent());
                Files.write(file, reply.body());
            }
            String note = Files.readString(mirror.resolve("checkpoint"), StandardCharsets.UTF_8);
            long size = CheckpointNote.parse(note.substring(0, note.indexOf("\n\n") + 1)).treeSize();
            if (index.contains("a log of " + size + " entries") && size > 0) {
                return size;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the log never held still long enough to be copied (last listing: "
                + new String(get("").body(), StandardCharsets.UTF_8).lines().limit(3).toList() + ", checkpoint: "
                + new String(get("checkpoint").body(), StandardCharsets.UTF_8) + ")");
    }

    private HttpResponse<byte[]> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(http.base() + PREFIX + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    record Run(int status, String output) {
        /** The check lines, but the checkpoint's: a JWS from the API, a signed note from the tiles. */
        List<String> findings() {
            return output.lines().filter(l -> l.startsWith("PASS") || l.startsWith("FAIL"))
                    .filter(l -> !l.matches("(PASS|FAIL)  checkpoint .*")).toList();
        }
    }

    private static Run verify(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = VerifyCommand.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(status, bytes.toString(StandardCharsets.UTF_8));
    }
}
