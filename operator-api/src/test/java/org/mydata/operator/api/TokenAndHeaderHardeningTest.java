package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Issue 14's hardening, through real HTTP with real tokens: what a token must say (2), a Host header that is
 * never reflected (9), no person identifier in tokens or introspection (11), and errors in the operator's
 * formats with hardening headers (12).
 */
class TokenAndHeaderHardeningTest extends OperatorTestBase {
    private static final String EVIL = "evil.example";

    @Autowired
    RSAKey tokenSigningKey;

    // --- 2. token validation -----------------------------------------------------------------------------

    @Test
    void aTokenMustNameItsSubjectExpireComeFromTheIssuerAndBeMeantForTheOperator() {
        Instant soon = Instant.now().plusSeconds(300);
        List<String> citizen = List.of("citizen");
        assertThat(http.get("/api/v1/me/consents", minted(ResearchFixtures.claims("alice", citizen, soon).build())).status())
                .as("the well-formed token, so the refusals below are about what they change").isEqualTo(200);

        JWTClaimsSet noSubject = new JWTClaimsSet.Builder(ResearchFixtures.claims("x", citizen, soon).build())
                .subject(null).build();
        JWTClaimsSet noExpiry = new JWTClaimsSet.Builder(ResearchFixtures.claims("alice", citizen, soon).build())
                .expirationTime(null).build();
        JWTClaimsSet otherIssuer = ResearchFixtures.claims("alice", citizen, soon).issuer("https://" + EVIL).build();
        JWTClaimsSet noIssuer = new JWTClaimsSet.Builder(ResearchFixtures.claims("alice", citizen, soon).build())
                .issuer(null).build();
        JWTClaimsSet otherAudience = ResearchFixtures.claims("alice", citizen, soon).audience("another-service").build();
        JWTClaimsSet noAudience = new JWTClaimsSet.Builder(ResearchFixtures.claims("alice", citizen, soon).build())
                .audience((String) null).build();
        Map<String, JWTClaimsSet> refused = Map.of("no sub", noSubject, "no exp", noExpiry, "other iss", otherIssuer,
                "no iss", noIssuer, "other aud", otherAudience, "no aud", noAudience);
        refused.forEach((what, claims) -> {
            OperatorHttp.Reply reply = http.get("/api/v1/me/consents", minted(claims));
            assertThat(reply.status()).as(what + ": " + reply.body()).isEqualTo(401);
            assertThat(reply.contentType()).as(what).startsWith("application/problem+json");
        });
        assertThat(http.get("/api/v1/me/consents", minted(noSubject)).json().get("detail").asText()).contains("sub");
        assertThat(http.get("/api/v1/me/consents", minted(noExpiry)).json().get("detail").asText()).contains("exp");

        // The gateway checks the same way and answers as FHIR clients expect.
        JWTClaimsSet researcherWithoutSubject = new JWTClaimsSet.Builder(
                ResearchFixtures.claims("x", List.of("researcher"), soon).build()).subject(null).build();
        OperatorHttp.Reply fhir = http.get("/fhir/00000000-0000-0000-0000-000000000000/metadata",
                minted(researcherWithoutSubject));
        assertThat(fhir.status()).isEqualTo(401);
        assertThat(fhir.body()).contains("OperationOutcome");
    }

    @Test
    void theEmbeddedServersTokensNameItsIssuerAndTheOperatorAsAudience() {
        for (String token : List.of(admin(), alice())) {
            JsonNode claims = claimsOf(token);
            assertThat(claims.get("iss").asText()).isEqualTo(http.base());
            assertThat(claims.get("aud").toString()).contains("mydata-operator");
            assertThat(claims.get("exp")).isNotNull();
        }
    }

    // --- 11. personal identifiers ------------------------------------------------------------------------

    @Test
    void aCitizensTokenCarriesAPseudonymAndNoPersonIdentifierYetLinkingFindsThePerson() throws Exception {
        String alice = alice();
        JsonNode claims = claimsOf(alice);
        String ssn = DemoFhirSource.demoPersons(1).get(0).identifier().value();
        assertThat(claims.has("person_identifier")).isFalse();
        assertThat(claims.toString()).doesNotContain(ssn).doesNotContain("alice");
        assertThat(claims.get("sub").asText()).startsWith("p-");
        // The same person, the same pseudonym, at every sign-in.
        assertThat(claimsOf(alice()).get("sub").asText()).isEqualTo(claims.get("sub").asText());

        // Introspection (any confidential client may call it) shows no identifier either.
        String basic = Base64.getEncoder().encodeToString("researcher-demo:researcher-demo-secret"
                .getBytes(StandardCharsets.UTF_8));
        String answer = introspect(basic, alice);
        assertThat(answer).contains("\"active\":true").doesNotContain(ssn).doesNotContain("person_identifier");

        // The operator itself still finds her at the demo source: the identifier is looked up server-side.
        ResearchFixtures fixtures = new ResearchFixtures(http);
        assertThat(fixtures.citizen("alice")).isNotNull();
        boolean linked = false;
        for (JsonNode link : http.get("/api/v1/me/links", alice).json()) {
            linked |= link.get("sourceId").asText().equals(fixtures.demoSource);
        }
        assertThat(linked).isTrue();
    }

    // --- 9. the Host header ------------------------------------------------------------------------------

    @Test
    void noAbsoluteUrlTakesTheHostHeader() throws Exception {
        ResearchFixtures fixtures = new ResearchFixtures(http);
        String programme = fixtures.programme(List.of("Observation"));
        String permit = fixtures.approvedPermit(programme, List.of("Observation"), "Host header");
        String bearer = "Authorization: Bearer " + fixtures.researcher;

        Raw kickOff = raw("GET /fhir/" + permit + "/$export", EVIL, bearer, "Accept: application/fhir+json",
                "Prefer: respond-async", "X-Forwarded-Host: " + EVIL);
        assertThat(kickOff.status()).as(kickOff.text()).isEqualTo(202);
        String status = kickOff.header("Content-Location");
        assertThat(status).startsWith(http.base() + "/fhir/" + permit + "/");
        OperatorHttp.Reply manifest = null;
        for (int i = 0; i < 100; i++) {
            manifest = http.get(status.substring(http.base().length()), fixtures.researcher);
            if (manifest.status() == 200) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(manifest.status()).isEqualTo(200);
        assertThat(manifest.body()).doesNotContain(EVIL);
        assertThat(manifest.json().get("request").asText()).startsWith(http.base() + "/fhir/");

        Raw search = raw("GET /fhir/" + permit + "/Observation", EVIL, bearer, "Accept: application/fhir+json");
        assertThat(search.status()).as(search.text()).isEqualTo(200);
        assertThat(search.body()).doesNotContain(EVIL).contains(http.base() + "/fhir/" + permit);

        Raw page = raw("GET /app/consents", EVIL, "Accept: text/html");
        assertThat(page.status()).isEqualTo(302);
        assertThat(page.header("Location")).isEqualTo(http.base() + "/login");

        Raw discovery = raw("GET /.well-known/openid-configuration", EVIL);
        assertThat(discovery.body()).doesNotContain(EVIL).contains("\"issuer\":\"" + http.base() + "\"");
    }

    // --- 12. headers and error formats -------------------------------------------------------------------

    @Test
    void everyRefusalIsADocumentInTheOperatorsFormat() throws Exception {
        Map<String, Raw> problems = Map.of(
                "a session id in the URL", raw("GET /api/v1/programmes;jsessionid=0123", "localhost"),
                "an encoded slash", raw("GET /api/v1/programmes%2Fx", "localhost"),
                "a malformed URL", raw("GET /api/v1/%zz", "localhost"),
                "an unknown method", raw("FROB /api/v1/programmes", "localhost"),
                "TRACE", raw("TRACE /api/v1/programmes", "localhost"),
                "the error page itself", raw("GET /error", "localhost"));
        problems.forEach((what, reply) -> {
            assertThat(reply.status()).as(what + ": " + reply.text()).isBetween(400, 499);
            assertThat(reply.header("Content-Type")).as(what + ": " + reply.text()).startsWith("application/problem+json");
            assertThat(reply.body()).as(what).contains("\"status\":" + reply.status()).doesNotContain("<html")
                    .doesNotContain("timestamp");
        });
        assertThat(problems.get("the error page itself").status()).isEqualTo(404);

        Raw fhir = raw("GET /fhir/x;jsessionid=1/metadata", "localhost");
        assertThat(fhir.status()).isEqualTo(400);
        assertThat(fhir.body()).contains("OperationOutcome");
    }

    @Test
    void theLoginPageIsHardenedAndNothingAnnouncesWhatRunsTheOperator() throws Exception {
        Raw login = raw("GET /login", "localhost", "Accept: text/html");
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.header("Content-Security-Policy")).contains("default-src 'none'").contains("frame-ancestors 'none'");
        // Plain HTTP here: no HSTS, no Secure cookie (SecuritySettingsTest shows them behind https).
        assertThat(login.header("Strict-Transport-Security")).isNull();

        ResearchFixtures fixtures = new ResearchFixtures(http);
        String permit = fixtures.approvedPermit(fixtures.programme(List.of("Observation")), List.of("Observation"),
                "Powered by");
        Raw fhir = raw("GET /fhir/" + permit + "/metadata", "localhost", "Authorization: Bearer " + fixtures.researcher);
        assertThat(fhir.status()).isEqualTo(200);
        assertThat(fhir.header("X-Powered-By")).isNull();
    }

    /**
     * An unencoded {@code |} in a token search, as curl, browsers and Node send it (and docs/api.md shows it), is
     * read as FHIR servers read it: the same answer as the encoded form, not Tomcat's 400 page.
     */
    @Test
    void anUnencodedBarInATokenSearchIsAcceptedLikeTheEncodedOne() throws Exception {
        ResearchFixtures fixtures = new ResearchFixtures(http);
        String permit = fixtures.approvedPermit(fixtures.programme(List.of("Observation")), List.of("Observation"),
                "Unencoded bar");
        String bearer = "Authorization: Bearer " + fixtures.researcher;

        Raw plain = raw("GET /fhir/" + permit + "/Observation?_summary=count&code=http://loinc.org|4548-4", "localhost",
                bearer, "Accept: application/fhir+json");
        Raw encoded = raw("GET /fhir/" + permit + "/Observation?_summary=count&code=http%3A%2F%2Floinc.org%7C4548-4",
                "localhost", bearer, "Accept: application/fhir+json");

        assertThat(plain.status()).as(plain.text()).isEqualTo(200);
        assertThat(plain.body()).contains("\"resourceType\":\"Bundle\"");
        assertThat(encoded.status()).isEqualTo(200);
        assertThat(total(plain.body())).isEqualTo(total(encoded.body()));
    }

    private static String total(String bundle) {
        java.util.regex.Matcher total = java.util.regex.Pattern.compile("\"total\"\\s*:\\s*(\\d+)").matcher(bundle);
        assertThat(total.find()).as(bundle).isTrue();
        return total.group(1);
    }

    // --- helpers -----------------------------------------------------------------------------------------

    private String minted(JWTClaimsSet claims) {
        return ResearchFixtures.mintedToken(tokenSigningKey, claims);
    }

    private String introspect(String basic, String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(http.base() + "/oauth2/introspect"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + token)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    static JsonNode claimsOf(String jwt) {
        return OperatorHttp.JSON.readTree(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]),
                StandardCharsets.UTF_8));
    }

    /** A response read off the wire. */
    record Raw(String head, String body) {
        int status() {
            return Integer.parseInt(head.split(" ")[1]);
        }

        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        String text() {
            return head + "\r\n\r\n" + body;
        }
    }

    /**
     * A request written by hand: Java's HTTP client will not send a {@code Host} header of the caller's choice,
     * nor a malformed URL; an attacker's client will.
     */
    private Raw raw(String requestLine, String host, String... headers) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(20_000);
            StringBuilder request = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: ").append(host)
                    .append("\r\nConnection: close\r\n");
            for (String header : headers) {
                request.append(header).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            // One char per byte while taking the message apart (chunk sizes count bytes), UTF-8 for the body.
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            String body = end < 0 ? "" : text.substring(end + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) {
                body = unchunk(body);
            }
            return new Raw(head, new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
        }
    }

    private static String unchunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (at < chunked.length()) {
            int lineEnd = chunked.indexOf("\r\n", at);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            body.append(chunked, lineEnd + 2, Math.min(chunked.length(), lineEnd + 2 + size));
            at = lineEnd + 2 + size + 2;
        }
        return body.toString();
    }
}
