package org.mydata.operator.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
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
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue 14's settings, each on an operator of its own: sign-in throttling (10), the token-signing key and the
 * pseudonymous subjects across a restart (13b, 11), TLS behind an https public base URL (12), and an external
 * issuer's checks (2).
 */
@ExtendWith(OutputCaptureExtension.class)
class SecuritySettingsTest {

    @Test
    void signInIsThrottledPerAccountAndAddressAndTokensOutliveARestart(CapturedOutput output) throws Exception {
        Path dataDir = Files.createTempDirectory("operator-security");
        int port = freePort();
        String[] settings = {"--server.port=" + port, "--operator.data-dir=" + dataDir, "--operator.embedded.demo=false",
                "--operator.public-base-url=http://localhost:" + port, "--operator.login.max-failures-per-address=8"};
        String adminToken;
        String aliceToken;
        String aliceSubject;
        try (ConfigurableApplicationContext first = new SpringApplicationBuilder(OperatorApplication.class).run(settings)) {
            OperatorHttp http = new OperatorHttp(port);
            for (int i = 0; i < 5; i++) {
                assertThat(signIn(http, "bob", "wrong-" + i)).isFalse();
            }
            assertThat(signIn(http, "bob", "bob-demo-password")).as("locked, even with the right password").isFalse();
            assertThat(signIn(http, "alice", "alice-demo-password")).as("another account").isTrue();
            assertThat(signIn(http, "nobody", "x")).isFalse();
            assertThat(signIn(http, "nobody-else", "x")).isFalse();
            assertThat(signIn(http, "alice", "alice-demo-password")).as("the address is locked now").isFalse();
            String throttled = output.getAll().lines().filter(l -> l.contains("Sign-in")).reduce("", String::concat);
            assertThat(throttled).contains("throttled").contains("refused").doesNotContain("bob").doesNotContain("nobody")
                    .doesNotContain("password-").doesNotContain("127.0.0.1").doesNotContain("wrong-");

            // The token endpoint throttles wrong client secrets alike: locked, even with the right secret, and
            // refused as a wrong secret is, so a guesser learns nothing; another client is not held up.
            for (int i = 0; i < 5; i++) {
                String wrong = "wrong-secret-" + i;
                assertThatThrownBy(() -> http.clientToken("auditor-demo", wrong, "auditor"))
                        .hasMessageContaining("401").hasMessageContaining("invalid_client");
            }
            assertThatThrownBy(() -> http.clientToken("auditor-demo", "auditor-demo-secret", "auditor"))
                    .as("locked, even with the right secret").hasMessageContaining("401")
                    .hasMessageContaining("invalid_client");

            adminToken = http.clientToken("admin-demo", "admin-demo-secret", "admin");
            assertThat(http.get("/api/v1/sources", adminToken).status()).isEqualTo(200);
        }

        try (ConfigurableApplicationContext second = new SpringApplicationBuilder(OperatorApplication.class).run(settings)) {
            OperatorHttp http = new OperatorHttp(port);
            // A restart forgets the throttle (it is per node, in memory) and keeps the token-signing key.
            aliceToken = http.citizenToken("alice", "alice-demo-password");
            aliceSubject = TokenAndHeaderHardeningTest.claimsOf(aliceToken).get("sub").asText();
            assertThat(http.get("/api/v1/sources", adminToken).status()).as("a token from before the restart")
                    .isEqualTo(200);
        }

        try (ConfigurableApplicationContext third = new SpringApplicationBuilder(OperatorApplication.class).run(settings)) {
            OperatorHttp http = new OperatorHttp(port);
            assertThat(http.get("/api/v1/me/consents", aliceToken).status()).isEqualTo(200);
            assertThat(TokenAndHeaderHardeningTest.claimsOf(http.citizenToken("alice", "alice-demo-password")).get("sub").asText())
                    .as("the same pseudonym after a restart, so the same account").isEqualTo(aliceSubject);
        }
    }

    @Test
    void behindHttpsCookiesAreSecureAndHstsIsSent() throws Exception {
        Path dataDir = Files.createTempDirectory("operator-tls");
        try (ConfigurableApplicationContext operator = new SpringApplicationBuilder(OperatorApplication.class).run(
                "--server.port=0", "--operator.data-dir=" + dataDir, "--operator.embedded.demo=false",
                "--operator.public-base-url=https://operator.example.org")) {
            OperatorHttp http = new OperatorHttp(port(operator));
            HttpResponse<String> login = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(http.base() + "/login")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(login.headers().firstValue("Strict-Transport-Security")).isPresent();
            assertThat(login.headers().allValues("Set-Cookie")).isNotEmpty()
                    .allSatisfy(cookie -> assertThat(cookie).contains("Secure").contains("HttpOnly"));
            HttpResponse<String> api = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(http.base() + "/api/v1/programmes")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(api.headers().firstValue("Strict-Transport-Security")).isPresent();

            String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
            assertThat(TokenAndHeaderHardeningTest.claimsOf(admin).get("iss").asText()).isEqualTo("https://operator.example.org");
            assertThat(http.get("/api/v1/sources", admin).status()).isEqualTo(200);
        }
    }

    @Test
    void anExternalIssuersTokensAreCheckedForIssuerAndAudience(CapturedOutput output) throws Exception {
        RSAKey idp = new RSAKeyGenerator(2048).keyID("idp-1").generate();
        WireMockServer jwks = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        jwks.start();
        try {
            jwks.stubFor(get(urlPathEqualTo("/jwks")).willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/json").withBody(new JWKSet(idp.toPublicJWK()).toString())));
            String[] common = {"--server.port=0", "--operator.embedded.demo=false",
                    "--operator.embedded.authorization-server=false",
                    "--spring.security.oauth2.resourceserver.jwt.jwk-set-uri=" + jwks.baseUrl() + "/jwks"};

            Path refused = Files.createTempDirectory("operator-no-issuer");
            assertThatThrownBy(() -> new SpringApplicationBuilder(OperatorApplication.class).run(
                    concat(common, "--operator.data-dir=" + refused)).close())
                    .hasStackTraceContaining("issuer-uri");

            // Without an audience its tokens for other applications would pass: no start, unless opted out loudly.
            Path noAudience = Files.createTempDirectory("operator-no-audience");
            assertThatThrownBy(() -> new SpringApplicationBuilder(OperatorApplication.class).run(
                    concat(common, "--operator.data-dir=" + noAudience,
                            "--spring.security.oauth2.resourceserver.jwt.issuer-uri=https://idp.example.org")).close())
                    .hasStackTraceContaining("spring.security.oauth2.resourceserver.jwt.audiences");
            Path anyAudience = Files.createTempDirectory("operator-any-audience");
            try (ConfigurableApplicationContext operator = new SpringApplicationBuilder(OperatorApplication.class).run(
                    concat(common, "--operator.data-dir=" + anyAudience, "--operator.identity.allow-any-audience=true",
                            "--spring.security.oauth2.resourceserver.jwt.issuer-uri=https://idp.example.org"))) {
                OperatorHttp http = new OperatorHttp(port(operator));
                assertThat(http.get("/api/v1/sources", token(idp, "https://idp.example.org", "https://other.example.org"))
                        .status()).as("opted out: any audience").isEqualTo(200);
                assertThat(output.getAll()).contains("ANY AUDIENCE");
            }

            Path dataDir = Files.createTempDirectory("operator-external-idp");
            try (ConfigurableApplicationContext operator = new SpringApplicationBuilder(OperatorApplication.class).run(
                    concat(common, "--operator.data-dir=" + dataDir,
                            "--spring.security.oauth2.resourceserver.jwt.issuer-uri=https://idp.example.org",
                            "--spring.security.oauth2.resourceserver.jwt.audiences=https://operator.example.org"))) {
                OperatorHttp http = new OperatorHttp(port(operator));
                String good = token(idp, "https://idp.example.org", "https://operator.example.org");
                assertThat(http.get("/api/v1/sources", good).status()).isEqualTo(200);
                assertThat(http.get("/api/v1/sources", token(idp, "https://idp.example.org", "https://other.example.org"))
                        .status()).isEqualTo(401);
                assertThat(http.get("/api/v1/sources", token(idp, "https://idp.example.org", null)).status())
                        .isEqualTo(401);
                assertThat(http.get("/api/v1/sources", token(idp, "https://evil.example.org",
                        "https://operator.example.org")).status()).isEqualTo(401);
            }
        } finally {
            jwks.stop();
        }
    }

    private static String token(RSAKey key, String issuer, String audience) throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject("admin-service").issuer(issuer)
                .claim("scope", "admin").issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
        if (audience != null) {
            claims.audience(audience);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    /** Whether the login form accepted the user name and password (a redirect that is not to the error page). */
    private static boolean signIn(OperatorHttp http, String username, String password) throws Exception {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        String page = browser.send(HttpRequest.newBuilder(URI.create(http.base() + "/login")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(page);
        assertThat(csrf.find()).isTrue();
        String form = "username=" + URLEncoder.encode(username, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8) + "&_csrf=" + csrf.group(1);
        HttpResponse<String> posted = browser.send(HttpRequest.newBuilder(URI.create(http.base() + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(302);
        return !posted.headers().firstValue("Location").orElse("").contains("error");
    }

    private static String[] concat(String[] first, String... more) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(first), java.util.Arrays.stream(more))
                .toArray(String[]::new);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
