package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.verify.audit.AuditJson;
import org.mydata.operator.verify.audit.BundleVerifier;
import org.mydata.operator.verify.audit.Report;
import org.mydata.operator.source.SourceAuth;
import org.mydata.operator.source.SourceRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The findings of the outside security test this class covers (issue 14: items 3, 5, 6, 7, 8 and 13a), each
 * through the real API with real tokens: bounded bodies and echoes, 4xx for bad input, unsafe URLs refused,
 * private files, sealed source secrets, and a citizen's audit bundle that shows only what concerns them.
 */
class InputHardeningTest extends OperatorTestBase {
    private static final HttpClient RAW = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Autowired
    OperatorProperties properties;

    @Autowired
    DataSource dataSource;

    @Autowired
    SourceRegistry sources;

    // ---- 5: request size limits ------------------------------------------------------------------------

    @Test
    void bodiesOverTheLimitAre413InEachInterfacesFormat() throws Exception {
        String alice = alice();
        String big = "{\"programmeId\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        HttpResponse<String> rest = post("/api/v1/me/consents", alice, "application/json", big);
        assertThat(rest.statusCode()).isEqualTo(413);
        assertThat(rest.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(rest.body()).contains("limit of 1048576 bytes");

        String form = "_count=1&code=" + "x".repeat(5 * 1024 * 1024);
        HttpResponse<String> fhir = post("/fhir/" + UUID.randomUUID() + "/Observation/_search", alice,
                "application/x-www-form-urlencoded", form);
        assertThat(fhir.statusCode()).isEqualTo(413);
        assertThat(fhir.body()).contains("OperationOutcome");

        HttpResponse<String> page = post("/app/programmes/" + UUID.randomUUID() + "/donate", null,
                "application/x-www-form-urlencoded", form);
        assertThat(page.statusCode()).isEqualTo(413);
    }

    /**
     * A chunked body declares no length: with an Idempotency-Key it is read whole to fingerprint it, counted as it
     * is read, and answered past the same limit with the same problem as any other.
     */
    @Test
    void aChunkedKeyedBodyOverTheLimitIsTheSame413() throws Exception {
        String alice = alice();
        byte[] big = ("{\"programmeId\":\"" + "x".repeat(1024 * 1024) + "\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(http.base() + "/api/v1/me/consents"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + alice).header("Idempotency-Key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build();
        HttpResponse<String> reply = RAW.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(reply.statusCode()).isEqualTo(413);
        assertThat(reply.body()).contains("urn:mydata-operator:problem:too-large").contains("limit of 1048576 bytes");
    }

    @Test
    void echoedValuesInErrorsAreCut() {
        String alice = alice();
        String programme = http.get("/api/v1/programmes", null).json().get(0).get("id").asText();
        String longCode = "dpv:" + "A".repeat(500_000);
        OperatorHttp.Reply reply = http.post("/api/v1/me/consents", alice,
                Map.of("programmeId", programme, "purposes", List.of(longCode)));
        assertThat(reply.status()).isEqualTo(422);
        assertThat(reply.body().length()).isLessThan(2_000);
        assertThat(reply.json().get("detail").asText()).contains("…");

        OperatorHttp.Reply unknownField = http.post("/api/v1/me/consents", alice,
                Map.of("programmeId", programme, "f".repeat(300_000), 1));
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(unknownField.body().length()).isLessThan(2_000);
    }

    // ---- 6: 500s for bad input -------------------------------------------------------------------------

    @Test
    void farFutureTimesAndNullTypesAreProblemsNot500s() {
        String alice = alice();
        String programme = http.get("/api/v1/programmes", null).json().get(0).get("id").asText();
        for (String body : List.of(
                "{\"programmeId\":\"" + programme + "\",\"validUntil\":\"+999999999-12-31T23:59:59Z\"}",
                "{\"programmeId\":\"" + programme + "\",\"scope\":{\"resourceTypes\":[null]}}",
                "{\"programmeId\":\"" + programme + "\",\"scope\":{\"resourceTypes\":[\"Observation\"],"
                        + "\"dataFrom\":\"+999999999-01-01\"}}")) {
            OperatorHttp.Reply reply = http.post("/api/v1/me/consents", alice, body);
            assertThat(reply.status()).as(body).isBetween(400, 499);
            assertThat(reply.contentType()).startsWith("application/problem+json");
        }
        String researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
        OperatorHttp.Reply request = http.post("/api/v1/requests", researcher, Map.of("programmeId", programme,
                "title", "t", "organisation", "o", "purpose", "dpv:AcademicResearch",
                "scope", Map.of("resourceTypes", List.of("Observation")), "justification", "j",
                "validUntil", "+999999999-12-31T23:59:59Z"));
        assertThat(request.status()).isBetween(400, 499);
    }

    // ---- 7: unsafe URLs --------------------------------------------------------------------------------

    @Test
    void sourcesOnLoopbackLinkLocalOrMetadataAddressesAreRefused() {
        String admin = admin();
        for (String url : List.of("http://169.254.169.254/latest/meta-data", "http://[fd00:ec2::254]/fhir",
                "http://127.0.0.1:8080/fhir", "http://0.0.0.0/fhir", "http://[::1]/fhir", "http://[fe80::1]/fhir",
                "http://[::ffff:169.254.169.254]/fhir")) {
            OperatorHttp.Reply reply = http.post("/api/v1/sources", admin, Map.of("name", "Metadata", "fhirBaseUrl", url));
            assertThat(reply.status()).as(url).isEqualTo(422);
            assertThat(reply.json().get("field").asText()).isEqualTo("fhirBaseUrl");
        }
        OperatorHttp.Reply token = http.post("/api/v1/sources", admin, Map.of("name", "Token", "fhirBaseUrl",
                "https://fhir.example.org/r4", "auth", Map.of("type", "client_credentials",
                        "tokenUrl", "http://169.254.169.254/token", "clientId", "c", "clientSecret", "s")));
        assertThat(token.status()).isEqualTo(422);
        assertThat(token.json().get("field").asText()).isEqualTo("auth.tokenUrl");
        // The embedded demo allows its own host, localhost, and nothing else besides the defaults.
        assertThat(http.post("/api/v1/sources", admin, Map.of("name", "Local", "fhirBaseUrl",
                "http://localhost:9/fhir")).status()).isEqualTo(201);
        assertThat(http.post("/api/v1/sources", admin, Map.of("name", "Private network", "fhirBaseUrl",
                "http://10.1.2.3/fhir")).status()).isEqualTo(201);
    }

    @Test
    void termsLinksAreHttpsOnly() {
        String admin = admin();
        for (String terms : List.of("javascript:alert(document.cookie)", "data:text/html,<script>x</script>",
                "http://example.org/terms", "https:/no-host")) {
            OperatorHttp.Reply reply = http.post("/api/v1/programmes", admin, programme(terms));
            assertThat(reply.status()).as(terms).isEqualTo(422);
            assertThat(reply.json().get("field").asText()).isEqualTo("termsUri");
        }
        assertThat(http.post("/api/v1/programmes", admin, programme("https://example.org/terms")).status())
                .isEqualTo(201);
        assertThat(http.post("/api/v1/programmes", admin, programme("http://localhost:8080/terms")).status())
                .isEqualTo(201);
    }

    private static Map<String, Object> programme(String terms) {
        return Map.of("name", "Terms " + UUID.randomUUID(), "description", "d", "organisation", "o",
                "purposes", List.of("dpv:ScientificResearch"), "scope", Map.of("resourceTypes", List.of("Observation")),
                "termsUri", terms, "termsVersion", "1", "stewards", List.of("steward-demo"));
    }

    // ---- 8 and 13a: files and secrets at rest ----------------------------------------------------------

    @Test
    void exportedDataKeysAndSecretsAreTheOperatorsOnly() throws Exception {
        ResearchFixtures fixtures = new ResearchFixtures(http);
        String programme = fixtures.programme(List.of("Patient"));
        fixtures.consent(fixtures.citizen("alice"), programme, List.of(fixtures.demoSource), null);
        String permit = fixtures.approvedPermit(programme, List.of("Patient"), "Permissions study");
        HttpResponse<String> kickOff = RAW.send(HttpRequest.newBuilder(URI.create(http.base() + "/fhir/" + permit
                        + "/$export?_type=Patient")).header("Authorization", "Bearer " + fixtures.researcher)
                .header("Prefer", "respond-async").header("Accept", "application/fhir+json").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
        String status = kickOff.headers().firstValue("Content-Location").orElseThrow();
        Instant deadline = Instant.now().plusSeconds(60);
        int polled;
        do {
            Thread.sleep(200);
            polled = RAW.send(HttpRequest.newBuilder(URI.create(status)).header("Authorization", "Bearer "
                    + fixtures.researcher).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        } while (polled == 202 && Instant.now().isBefore(deadline));
        assertThat(polled).isEqualTo(200);

        Path dataDir = properties.dataDir();
        List<Path> exported;
        try (Stream<Path> walk = Files.walk(dataDir.resolve("exports"))) {
            exported = walk.toList();
        }
        assertThat(exported.stream().filter(p -> p.toString().endsWith(".ndjson"))).isNotEmpty();
        for (Path p : exported) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString())
                    .isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
        }
        Path keys = dataDir.resolve("keys");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("source-secrets.json"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
    }

    @Test
    void sourceSecretsAreSealedInTheDatabase() throws Exception {
        String admin = admin();
        OperatorHttp.Reply created = http.post("/api/v1/sources", admin, Map.of("name", "Sealed hospital",
                "fhirBaseUrl", "https://fhir.sealed.example/r4", "auth", Map.of("type", "client_credentials",
                        "tokenUrl", "https://fhir.sealed.example/token", "clientId", "operator",
                        "clientSecret", "very-secret-value")));
        assertThat(created.status()).isEqualTo(201);
        UUID id = UUID.fromString(created.json().get("id").asText());
        OperatorHttp.Reply basic = http.post("/api/v1/sources", admin, Map.of("name", "Basic hospital",
                "fhirBaseUrl", "https://fhir.basic.example/r4", "auth", Map.of("type", "basic",
                        "username", "operator", "password", "basic-secret-value")));
        assertThat(basic.status()).isEqualTo(201);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select string_agg(auth::text, ' ') from fhir_source");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertThat(rs.getString(1)).doesNotContain("very-secret-value").doesNotContain("basic-secret-value")
                    .contains("client_secret_sealed");
        }
        // The operator itself still has them, to authenticate to the source.
        assertThat(((SourceAuth.ClientCredentials) sources.get(id).auth()).clientSecret()).isEqualTo("very-secret-value");
    }

    // ---- 3: a citizen's own audit bundle ---------------------------------------------------------------

    @Test
    void aCitizensAuditBundleShowsNoOtherCitizen() throws Exception {
        ResearchFixtures fixtures = new ResearchFixtures(http);
        String programme = fixtures.programme(List.of("Patient"));
        String alice = fixtures.citizen("alice");
        String bob = fixtures.citizen("bob");
        String alicesConsent = fixtures.consent(alice, programme, List.of(fixtures.demoSource), null);
        String bobsConsent = fixtures.consent(bob, programme, List.of(fixtures.demoSource), null);
        String permit = fixtures.approvedPermit(programme, List.of("Patient"), "Audit privacy study");
        HttpResponse<String> read = RAW.send(HttpRequest.newBuilder(URI.create(http.base() + "/fhir/" + permit
                + "/Patient")).header("Authorization", "Bearer " + fixtures.researcher)
                .header("Accept", "application/fhir+json").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        String bobsAccount = http.get("/api/v1/me/consents/" + bobsConsent + "/audit", bob).body();
        String bobsAccountId = accountOf(bobsAccount);

        String auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
        JsonNode full = http.get("/api/v1/audit/consents/" + alicesConsent, auditor).json();
        assertThat(decodedEntries(full)).contains(bobsConsent).contains(bobsAccountId);

        OperatorHttp.Reply own = http.get("/api/v1/me/consents/" + alicesConsent + "/audit", alice);
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.body() + decodedEntries(own.json())).doesNotContain(bobsConsent).doesNotContain(bobsAccountId);
        JsonNode event = own.json().get("access_events").get(0);
        assertThat(event.has("entry")).isFalse();
        assertThat(event.get("leaf_hash").asText()).isNotEmpty();
        assertThat(event.get("audit_path")).isNotNull();
        assertThat(event.get("withheld").get("persons").get(0).get("consent_id").asText()).isEqualTo(alicesConsent);
        // Still a bundle the verifier passes: the withheld entry's inclusion is proven, its content said unchecked.
        Report report = BundleVerifier.verify(JWKSet.parse(http.get("/.well-known/jwks.json", null).body()),
                AuditJson.bundle(AuditJson.parseObject(own.body(), "bundle")), null);
        assertThat(report.failures()).isEmpty();
        assertThat(report.checks()).anyMatch(c -> c.name().equals("withheld"));
    }

    /** The account id in a person's own bundle: their consent record's {@code account_id}. */
    private static String accountOf(String bundle) {
        JsonNode cr = OperatorHttp.JSON.readTree(bundle).get("records").get(0);
        String payload = cr.get("jws").asText().split("\\.")[1];
        return OperatorHttp.JSON.readTree(java.util.Base64.getUrlDecoder().decode(payload)).get("account_id").asText();
    }

    private static String decodedEntries(JsonNode bundle) {
        StringBuilder text = new StringBuilder();
        for (JsonNode event : bundle.get("access_events")) {
            if (event.has("entry")) {
                text.append(new String(java.util.Base64.getDecoder().decode(event.get("entry").asText()),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return text.toString();
    }

    private HttpResponse<String> post(String path, String token, String type, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(http.base() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return RAW.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
