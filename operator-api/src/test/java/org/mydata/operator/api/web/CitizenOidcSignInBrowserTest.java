package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.api.demo.DemoConfig;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.testidp.TestOidcProvider;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Issue 15 item 2: the citizen pages sign in through an OpenID Connect provider that is not the operator's own: a
 * second Spring Authorization Server in a JVM of its own ({@link TestOidcProvider}), on another host name
 * (127.0.0.1, so the two sessions' cookies stay apart) and port. The embedded authorization server is off; the API
 * trusts the same provider. A real Chromium signs in at the provider and lands on the pages as that person, whose
 * identifier came from the configured claim: the provider's ID token also carries a decoy in the default claim
 * ({@code person_identifier}) naming another demo patient, and the link the person makes is to the patient named
 * by the configured claim. Signing out ends the session at the provider too (RP-initiated logout).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class CitizenOidcSignInBrowserTest {
    private static final String SUBJECT = "pairwise-7f3a9c";
    private static final String CLAIM = "urn:oid:1.2.246.21";
    private static final String ACR = "http://ftn.ficora.fi/2017/loa3";
    /** The fourth demo patient: no demo citizen of the embedded server is them. */
    private static final DemoPerson PERSON = DemoFhirSource.demoPersons(4).get(3);
    private static final DemoPerson DECOY = DemoFhirSource.demoPersons(1).get(0);
    private static Process provider;
    private static Path providerLog;
    private static int operatorPort;

    @Autowired
    Accounts accounts;
    @Autowired
    ServiceLinks links;

    @DynamicPropertySource
    static void operatorWithAnExternalProvider(DynamicPropertyRegistry registry) throws Exception {
        operatorPort = freePort();
        int providerPort = freePort();
        String issuer = "http://127.0.0.1:" + providerPort;
        String operator = "http://localhost:" + operatorPort;
        providerLog = Files.createTempFile("test-oidc-provider", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        provider = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), TestOidcProvider.class.getName(),
                "--spring.config.name=test-oidc-provider", "--spring.main.banner-mode=off",
                "--server.port=" + providerPort, "--server.address=127.0.0.1",
                "--server.servlet.session.cookie.name=PROVIDERSESSION",
                "--idp.issuer=" + issuer, "--idp.client-id=operator-pages", "--idp.client-secret=pages-secret",
                "--idp.redirect-uri=" + operator + "/login/oauth2/code/citizen",
                "--idp.post-logout-redirect-uri=" + operator + "/login?logout",
                "--idp.username=maija", "--idp.password=maija-test-password", "--idp.subject=" + SUBJECT,
                "--idp.name=Maija Virtanen", "--idp.identifier-claim=" + CLAIM,
                "--idp.identifier=" + PERSON.identifier().value(), "--idp.decoy=" + DECOY.identifier().asToken())
                .redirectErrorStream(true).redirectOutput(providerLog.toFile()).start();
        awaitDiscovery(issuer);

        String dataDir = Files.createTempDirectory("operator-oidc-browser").toString();
        registry.add("operator.data-dir", () -> dataDir);
        registry.add("server.port", () -> operatorPort);
        registry.add("operator.embedded.authorization-server", () -> "false");
        registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", () -> issuer);
        // The operator refuses to start on an outside issuer without an audience (docs/operating.md, Security).
        registry.add("spring.security.oauth2.resourceserver.jwt.audiences", () -> "mydata-operator");
        registry.add("operator.pages.sign-in.issuer-uri", () -> issuer);
        registry.add("operator.pages.sign-in.client-id", () -> "operator-pages");
        registry.add("operator.pages.sign-in.client-secret", () -> "pages-secret");
        registry.add("operator.pages.sign-in.person-identifier-claim", () -> CLAIM);
        registry.add("operator.pages.sign-in.person-identifier-system", () -> PERSON.identifier().system());
        registry.add("operator.pages.sign-in.acr-values", () -> ACR);
        registry.add("operator.pages.sign-in.provider-name", () -> "Test ID");
    }

    @AfterAll
    static void stopProvider() throws Exception {
        if (provider != null) {
            ProcessHandle handle = ProcessHandle.of(provider.pid()).orElse(null);
            if (handle != null) {
                handle.destroy();
                if (!provider.waitFor(30, TimeUnit.SECONDS)) {
                    handle.destroyForcibly();
                }
            }
        }
    }

    @Test
    void aPersonSignsInAtTheProviderAndLinksTheRecordItsConfiguredClaimNames() throws Exception {
        try (Chromium chromium = Chromium.start("en-GB")) {
            String base = "http://localhost:" + operatorPort;
            chromium.browser.get(base + "/app");
            // Straight to the provider's own sign-in form: it is the only way in.
            chromium.wait.until(ExpectedConditions.urlContains("127.0.0.1"));
            chromium.signIn("maija", "maija-test-password");
            chromium.heading("Your health data");
            assertThat(chromium.browser.getCurrentUrl()).startsWith(base + "/app");
            assertThat(chromium.browser.findElement(By.cssSelector("header .signout")).getText())
                    .contains("Signed in as Maija Virtanen");
            assertThat(chromium.browser.getPageSource()).doesNotContain(PERSON.identifier().value(), SUBJECT);

            chromium.browser.findElement(By.linkText("Your sources")).click();
            chromium.heading("Your health record sources");
            chromium.browser.findElement(By.cssSelector("article[data-source='" + DemoConfig.DEMO_SOURCE_NAME
                    + "'] button")).click();
            chromium.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"),
                    "Linked to " + DemoConfig.DEMO_SOURCE_NAME));

            // The account is the provider's subject; its link is to the patient the configured claim names.
            Account account = accounts.forSubject(SUBJECT);
            List<ServiceLink> live = links.list(account).stream().filter(ServiceLink::isLive).toList();
            assertThat(live).hasSize(1);
            assertThat(live.get(0).surrogateId()).isEqualTo(PERSON.patientId()).isNotEqualTo(DECOY.patientId());

            // Signing out ends the provider's session too: the next visit asks for the password again.
            chromium.browser.findElement(By.xpath("//button[normalize-space()='Sign out']")).click();
            chromium.heading("Sign in");
            assertThat(chromium.browser.getCurrentUrl()).isEqualTo(base + "/login?logout");
            assertThat(chromium.browser.findElement(By.id("signed-out")).getText()).contains("You have signed out");
            assertThat(chromium.browser.findElement(By.id("sign-in-provider")).getText()).isEqualTo("Sign in with Test ID");
            chromium.click("sign-in-provider");
            chromium.wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
            assertThat(chromium.browser.getCurrentUrl()).startsWith("http://127.0.0.1:");
        }
        assertThat(Files.readString(providerLog, StandardCharsets.UTF_8)).doesNotContain("ERROR");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitDiscovery(String issuer) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            if (!provider.isAlive()) {
                throw new AssertionError("the test OIDC provider exited:\n" + Files.readString(providerLog));
            }
            try {
                HttpResponse<String> discovery = http.send(HttpRequest.newBuilder(
                        URI.create(issuer + "/.well-known/openid-configuration")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (discovery.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the test OIDC provider did not start:\n" + Files.readString(providerLog));
    }
}
