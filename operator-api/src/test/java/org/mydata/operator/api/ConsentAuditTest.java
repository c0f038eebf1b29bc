package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.verify.audit.AuditJson;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.VerifyCommand;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * An auditor verifies a citizen's consent, and the whole log, with the {@code verify} command against the
 * running operator: online, then offline on the files it saved; then the operator misbehaves (a status
 * record altered in PostgreSQL, a forked checkpoint it once served) and the command says so and where.
 * The auditor's own small jar (operator-verify) does the same in a JVM of its own, without the server.
 */
class ConsentAuditTest extends OperatorTestBase {
    @Autowired
    DataSource dataSource;

    @Autowired
    KeystoreKeyRing keyRing;

    @TempDir
    Path dir;

    record Run(int status, String output) {
    }

    private static Run verify(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = VerifyCommand.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(status, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anAuditorProvesAConsentWasHonouredAndCatchesTampering() throws Exception {
        String admin = admin();
        String alice = alice();
        String auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
        String researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
        String steward = http.clientToken("steward-demo", "steward-demo-secret", "steward");
        String source = demoSource(admin);
        String madeLink = link(alice, source);
        try {
            audit(admin, alice, auditor, researcher, steward, source);
        } finally {
            // Leave Alice as found: other classes sharing the running operator expect her links unchanged.
            if (madeLink != null) {
                http.delete("/api/v1/me/links/" + madeLink, alice);
            }
        }
    }

    private void audit(String admin, String alice, String auditor, String researcher, String steward, String source)
            throws Exception {

        // Alice consents to a programme of her own; a researcher reads under a permit; she pauses and resumes.
        String programme = http.post("/api/v1/programmes", admin, Map.of("name", "Audit programme " + UUID.randomUUID(),
                "description", "d", "organisation", "Audit Foundation", "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Patient", "Observation")),
                "termsUri", "https://example.org/t",
                "termsVersion", "1", "stewards", List.of("steward-demo"))).json().get("id").asText();
        String consent = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme,
                "sourceIds", List.of(source))).json().get("id").asText();
        String permit = permit(researcher, steward, programme);
        assertThat(http.get("/fhir/" + permit + "/Observation?_count=5", researcher).status()).isEqualTo(200);
        http.post("/api/v1/me/consents/" + consent + "/status", alice, Map.of("status", "paused"));
        http.post("/api/v1/me/consents/" + consent + "/status", alice, Map.of("status", "active"));

        // The bundle: for the auditor, for Alice herself, for nobody else.
        OperatorHttp.Reply reply = http.get("/api/v1/audit/consents/" + consent, auditor);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode bundle = reply.json();
        assertThat(bundle.get("consent_id").asText()).isEqualTo(consent);
        assertThat(bundle.get("records")).extracting(r -> r.get("kind").asText())
                .containsExactly("cr", "csr", "csr", "csr", "slr", "permit");
        assertThat(bundle.get("access_events")).hasSize(1);
        assertThat(bundle.get("records").get(0).get("audit_path").isArray()).isTrue();
        OperatorHttp.Reply own = http.get("/api/v1/me/consents/" + consent + "/audit", alice);
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.json().get("records")).hasSize(6);
        assertThat(http.get("/api/v1/me/consents/" + consent + "/audit", bob()).status()).isEqualTo(404);
        assertThat(http.get("/api/v1/audit/consents/" + consent, alice).status()).isEqualTo(403);
        assertThat(http.get("/api/v1/audit/consents/" + UUID.randomUUID(), auditor).status()).isEqualTo(404);

        // The same history as FHIR: the Consent, a Provenance per signed record, an AuditEvent per access and
        // one for the permit holder's notice of the withdrawal.
        OperatorHttp.Reply asFhir = http.get("/api/v1/audit/consents/" + consent + "/fhir", auditor);
        assertThat(asFhir.status()).as(asFhir.body()).isEqualTo(200);
        assertThat(asFhir.contentType()).startsWith("application/fhir+json");
        JsonNode fhirBundle = asFhir.json();
        assertThat(fhirBundle.get("entry")).extracting(e -> e.get("resource").get("resourceType").asText())
                .containsExactly("Consent", "Provenance", "Provenance", "Provenance", "Provenance", "Provenance",
                        "Provenance", "AuditEvent", "AuditEvent");

        // Online, keeping what it fetched; then the same offline from the files alone.
        Path first = dir.resolve("first");
        Run online = verify("consent", "--operator", http.base(), "--consent", consent, "--token", auditor,
                "--save", first.toString());
        assertThat(online.status()).as(online.output()).isZero();
        assertThat(online.output()).contains("PASS  access", "PASS  chain", "PASS  inclusion", "Result: PASSED");
        Run offline = verify("consent", "--jwks", first.resolve("jwks.json").toString(),
                "--bundle", first.resolve("bundle.json").toString());
        assertThat(offline.status()).as(offline.output()).isZero();

        // Later: she withdraws; the kept checkpoint must be a prefix of the new one.
        http.post("/api/v1/me/consents/" + consent + "/status", alice, Map.of("status", "withdrawn"));
        Path second = dir.resolve("second");
        Run later = verify("consent", "--operator", http.base(), "--consent", consent, "--token", auditor,
                "--kept-checkpoint", first.resolve("checkpoint.json").toString(), "--save", second.toString());
        assertThat(later.status()).as(later.output()).isZero();
        assertThat(later.output()).contains("PASS  consistency", "withdrawn at csr #");
        Run laterOffline = verify("consent", "--jwks", second.resolve("jwks.json").toString(),
                "--bundle", second.resolve("bundle.json").toString(),
                "--kept-checkpoint", first.resolve("checkpoint.json").toString(),
                "--consistency", second.resolve("consistency.json").toString());
        assertThat(laterOffline.status()).as(laterOffline.output()).isZero();

        // An operator that once served a checkpoint of another history is caught by the one the auditor kept.
        Checkpoint kept = AuditJson.checkpoint(AuditJson.parseObject(Files.readString(first.resolve("checkpoint.json")),
                "kept"), "kept");
        Hash forkRoot = MerkleTree.leafHash("another history".getBytes(StandardCharsets.US_ASCII));
        Instant iat = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Checkpoint fork = new Checkpoint(kept.treeSize(), forkRoot, iat,
                keyRing.sign(RecordType.CHECKPOINT, Checkpoint.claims(kept.treeSize(), forkRoot, iat)));
        Path forked = dir.resolve("forked-checkpoint.json");
        Files.writeString(forked, AuditJson.write(AuditJson.toJson(fork)));
        Run inconsistent = verify("consent", "--jwks", second.resolve("jwks.json").toString(),
                "--bundle", second.resolve("bundle.json").toString(), "--kept-checkpoint", forked.toString(),
                "--consistency", second.resolve("consistency.json").toString());
        assertThat(inconsistent.status()).as(inconsistent.output()).isEqualTo(1);
        assertThat(inconsistent.output()).contains("FAIL  consistency", "the kept checkpoint of " + kept.treeSize()
                + " entries and the bundle's checkpoint", "are not one history");

        // A byte of the stored pause record flipped in PostgreSQL: its signature and its inclusion fail, by name.
        JsonNode paused = bundle.get("records").get(2);
        long pausedIndex = paused.get("log_index").asLong();
        String original = paused.get("jws").asText();
        int at = original.lastIndexOf('.') + 20;
        String flipped = original.substring(0, at) + (original.charAt(at) == 'A' ? 'B' : 'A')
                + original.substring(at + 1);
        String csrId = csrIdOf(original);
        replaceStoredStatusRecord(original, flipped);
        try {
            OperatorHttp.Reply tampered = http.get("/api/v1/audit/consents/" + consent, auditor);
            Path third = dir.resolve("tampered-bundle.json");
            Files.writeString(third, tampered.body());
            Run caught = verify("consent", "--jwks", second.resolve("jwks.json").toString(),
                    "--bundle", third.toString());
            assertThat(caught.status()).as(caught.output()).isEqualTo(1);
            String label = "csr #" + pausedIndex + " (csr_id " + csrId + ")";
            assertThat(caught.output().lines().filter(l -> l.startsWith("FAIL")).toList())
                    .anySatisfy(l -> assertThat(l).startsWith("FAIL  signature").contains(label
                            + ": the signature does not verify"))
                    .anySatisfy(l -> assertThat(l).startsWith("FAIL  inclusion").contains(label));
            assertThat(caught.output()).contains("Result: FAILED");
        } finally {
            replaceStoredStatusRecord(flipped, original);
        }

        // The whole log, root recomputed from every entry.
        Run log = verify("log", "--operator", http.base(), "--token", auditor);
        assertThat(log.status()).as(log.output()).isZero();
        assertThat(log.output()).contains("PASS  root", "PASS  access", "Result: PASSED");
    }

    /**
     * The jar an auditor downloads instead of the server: run as a child process, on files the real operator
     * served and against the running operator itself, and through the server's own {@code verify} entry.
     */
    @Test
    void theAuditorsSmallJarChecksTheOperatorsReceiptsOnItsOwn() throws Exception {
        Path jar = Path.of("..", "operator-verify", "target", "operator-verify.jar").toAbsolutePath().normalize();
        assertThat(jar).as("operator-verify builds it as it compiles; build through the reactor (-am)").exists();
        long size = Files.size(jar);
        System.out.printf("operator-verify.jar: %,d bytes (%.1f MB)%n", size, size / 1e6);
        Path serverJar = Path.of("target", "mydata-operator.jar");
        if (Files.exists(serverJar)) {
            System.out.printf("mydata-operator.jar: %,d bytes (%.1f MB), from an earlier package%n",
                    Files.size(serverJar), Files.size(serverJar) / 1e6);
        }
        assertThat(size).as("an auditor's download").isLessThan(10_000_000L);

        String admin = admin();
        String alice = alice();
        String auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
        String source = demoSource(admin);
        String madeLink = link(alice, source);
        try {
            String programme = http.post("/api/v1/programmes", admin, Map.of("name",
                    "Jar audit programme " + UUID.randomUUID(), "description", "d", "organisation", "Audit Foundation",
                    "purposes", List.of("dpv:ScientificResearch"), "scope", Map.of("resourceTypes", List.of("Patient")),
                    "termsUri", "https://example.org/t", "termsVersion", "1", "stewards", List.of("steward-demo")))
                    .json().get("id").asText();
            String consent = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme,
                    "sourceIds", List.of(source))).json().get("id").asText();
            http.post("/api/v1/me/consents/" + consent + "/status", alice, Map.of("status", "paused"));

            // Offline, on what the operator served: the receipt bundle and the JWKS, as files.
            OperatorHttp.Reply bundle = http.get("/api/v1/audit/consents/" + consent, auditor);
            assertThat(bundle.status()).as(bundle.body()).isEqualTo(200);
            Path bundleFile = Files.writeString(dir.resolve("jar-bundle.json"), bundle.body());
            Path jwksFile = Files.writeString(dir.resolve("jar-jwks.json"),
                    http.get("/.well-known/jwks.json", null).body());
            Run offline = child(Map.of(), "-jar", jar.toString(), "consent", "--jwks", jwksFile.toString(),
                    "--bundle", bundleFile.toString());
            assertThat(offline.status()).as(offline.output()).isZero();
            assertThat(offline.output()).contains("PASS  signature", "PASS  inclusion", "PASS  chain",
                    "Result: PASSED");

            // The pause record altered in the file: the jar names it and exits 1.
            JsonNode paused = bundle.json().get("records").get(2);
            assertThat(paused.get("kind").asText()).isEqualTo("csr");
            String original = paused.get("jws").asText();
            int at = original.lastIndexOf('.') + 20;
            String flipped = original.substring(0, at) + (original.charAt(at) == 'A' ? 'B' : 'A')
                    + original.substring(at + 1);
            Path tampered = Files.writeString(dir.resolve("jar-tampered.json"), bundle.body().replace(original, flipped));
            Run caught = child(Map.of(), "-jar", jar.toString(), "consent", "--jwks", jwksFile.toString(),
                    "--bundle", tampered.toString());
            assertThat(caught.status()).as(caught.output()).isEqualTo(VerifyCommand.FAILED);
            assertThat(caught.output()).contains("FAIL  signature", "csr #" + paused.get("log_index").asLong(),
                    "Result: FAILED");

            // Online, the token from the environment, as an auditor's script passes it; then the whole log.
            Map<String, String> token = Map.of("MYDATA_TOKEN", auditor);
            Run online = child(token, "-jar", jar.toString(), "consent", "--operator", http.base(),
                    "--consent", consent);
            assertThat(online.status()).as(online.output()).isZero();
            Run log = child(token, "-jar", jar.toString(), "log", "--operator", http.base());
            assertThat(log.status()).as(log.output()).isZero();
            assertThat(log.output()).contains("PASS  root", "Result: PASSED");

            // The server's own entry still verifies, through the same command, before any Spring starts.
            Run server = child(Map.of(), "-cp", System.getProperty("java.class.path"),
                    OperatorApplication.class.getName(), "verify", "consent", "--jwks", jwksFile.toString(),
                    "--bundle", bundleFile.toString());
            assertThat(server.status()).as(server.output()).isZero();
            assertThat(server.output()).contains("Result: PASSED").doesNotContain("Spring");
        } finally {
            if (madeLink != null) {
                http.delete("/api/v1/me/links/" + madeLink, alice);
            }
        }
    }

    /** A JVM of its own, as the auditor runs it; given up (and ended, by its handle) after two minutes. */
    private static Run child(Map<String, String> environment, String... javaArgs) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(javaArgs));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("MYDATA_TOKEN");
        builder.environment().putAll(environment);
        Process process = builder.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the verifier did not finish in two minutes: " + command);
        }
        return new Run(process.exitValue(), output.get(10, TimeUnit.SECONDS));
    }

    @Test
    void usageErrorsExitWithTwoAndNothingVerified() {
        assertThat(verify().status()).isEqualTo(2);
        assertThat(verify("consent", "--bundle").status()).isEqualTo(2);
        assertThat(verify("consent", "--jwks", "x.json").output()).contains("--bundle is required");
        Run missing = verify("consent", "--jwks", dir.resolve("none.json").toString(), "--bundle", "b.json");
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.output()).contains("cannot read", "nothing was verified");
        assertThat(verify("log", "--operator", http.base(), "--token", "t", "--from", "-3").status()).isEqualTo(2);
        assertThat(verify("--help").status()).isZero();
    }

    private String demoSource(String admin) {
        for (JsonNode s : http.get("/api/v1/sources", admin).json()) {
            if (s.get("name").asText().equals("Demo Hospital (Synthea)")) {
                return s.get("id").asText();
            }
        }
        throw new AssertionError("no demo source");
    }

    /** Links the citizen to the source unless they are already; returns the new link's id, or null. */
    private String link(String citizen, String source) {
        for (JsonNode link : http.get("/api/v1/me/links", citizen).json()) {
            if (link.get("sourceId").asText().equals(source) && link.get("status").asText().equals("live")) {
                return null;
            }
        }
        OperatorHttp.Reply made = http.post("/api/v1/me/links", citizen, Map.of("sourceId", source));
        assertThat(made.status()).isEqualTo(201);
        return made.json().get("id").asText();
    }

    private String permit(String researcher, String steward, String programme) {
        OperatorHttp.Reply request = http.post("/api/v1/requests", researcher, Map.of("programmeId", programme,
                "title", "Audit study", "organisation", "Test University", "purpose", "dpv:AcademicResearch",
                "scope", Map.of("resourceTypes", List.of("Observation")), "justification", "Testing the audit",
                "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        assertThat(request.status()).as(request.body()).isEqualTo(201);
        return http.post("/api/v1/requests/" + request.json().get("id").asText() + "/decision", steward,
                Map.of("decision", "approve")).json().get("permitId").asText();
    }

    private static String csrIdOf(String jws) throws Exception {
        return (String) com.nimbusds.jose.JWSObject.parse(jws).getPayload().toJSONObject().get("csr_id");
    }

    /** Signed records are append-only; only the database's superuser, switching the guard off, can do this. */
    private void replaceStoredStatusRecord(String from, String to) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("alter table consent_status disable trigger consent_status_append_only");
            }
            try (PreparedStatement ps = c.prepareStatement("update consent_status set record = ? where record = ?")) {
                ps.setString(1, to);
                ps.setString(2, from);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            try (Statement s = c.createStatement()) {
                s.execute("alter table consent_status enable trigger consent_status_append_only");
            }
            c.commit();
        }
    }
}
