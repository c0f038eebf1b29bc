package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.api.security.CitizenSubjects;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.demo.DemoConfig;
import org.mydata.operator.request.DataRequest;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A citizen's whole journey through the web pages in a real headless Chromium: sign in, link the demo
 * source, donate through the confirmation step, read and download the receipt, pause, resume, withdraw,
 * see the history and who used the data; and another citizen cannot open the consent.
 *
 * <p>Runs where Debian's {@code chromium} and {@code chromium-driver} are installed ({@code .ci/run} installs
 * them). With {@code SCREENSHOTS=1} in the environment (or {@code -Dscreenshots=true}) it also writes the
 * README's screenshots to {@code docs/screenshots/}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CitizenPagesBrowserTest {
    @LocalServerPort
    int port;

    private OperatorHttp http;

    /**
     * An operator of its own: the journey starts from a citizen who has linked nothing, which the shared test
     * operator cannot promise (other tests link and consent as carol, in an order surefire chooses).
     */
    @DynamicPropertySource
    static void ownDataDir(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-browser").toString();
        registry.add("operator.data-dir", () -> dataDir);
    }
    private static final Dimension DESKTOP = new Dimension(1200, 900);
    private static final Dimension PHONE = new Dimension(390, 844);

    @Autowired
    DataRequests dataRequests;
    @Autowired
    AccessLog accessLog;
    @Autowired
    Accounts accounts;

    @Autowired
    CitizenSubjects citizenSubjects;

    private WebDriver browser;
    private WebDriverWait wait;
    private Chromium chromium;

    @BeforeEach
    void startBrowser() throws IOException {
        http = new OperatorHttp(port);
        chromium = Chromium.start("en-GB", "en-GB,en");
        browser = chromium.browser;
        wait = chromium.wait;
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void carolDonatesAndWithdrawsThroughTheBrowser() throws Exception {
        open("/app");
        signIn("carol", "carol-demo-password");
        waitForHeading("Your health data");

        // Link the demo hospital: the operator finds carol there by her verified identifier.
        browser.findElement(By.linkText("Your sources")).click();
        waitForHeading("Your health record sources");
        WebElement hospital = source(DemoConfig.DEMO_SOURCE_NAME);
        hospital.findElement(By.tagName("button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"),
                "Linked to " + DemoConfig.DEMO_SOURCE_NAME));
        assertThat(source(DemoConfig.DEMO_SOURCE_NAME).getText()).contains("Linked since");

        // The catalogue, in plain words.
        browser.findElement(By.linkText("Programmes")).click();
        waitForHeading("Data-donor programmes");
        WebElement programme = browser.findElement(By.cssSelector(
                "article[data-programme='" + DemoConfig.DEMO_PROGRAMME_NAME + "']"));
        assertThat(programme.getText()).contains("MyData Health Research Foundation (demo)", "scientific research",
                "health and medical research", "lab results and measurements", "diagnoses", "vaccinations",
                "basic details (age, sex)", "Until you withdraw your consent");
        screenshot("catalogue");

        // Donate, leaving out vaccinations (the kinds start unticked), and read exactly what will be signed.
        programme.findElement(By.partialLinkText("Donate to")).click();
        waitForHeading("Donate to " + DemoConfig.DEMO_PROGRAMME_NAME);
        for (WebElement kind : browser.findElements(By.cssSelector("input[name='type']"))) {
            if (!kind.getAttribute("value").equals("Immunization")) {
                kind.click();
            }
        }
        assertThat(checkbox(DemoConfig.DEMO_SOURCE_NAME).isSelected()).isTrue();
        // How researchers may receive the data: two choices, neither pre-selected; choosing none is refused.
        List<WebElement> access = browser.findElements(By.cssSelector("input[name='access']"));
        assertThat(access).extracting(a -> a.getAttribute("value")).containsExactly("statistics", "records");
        assertThat(access).noneMatch(WebElement::isSelected);
        assertThat(browser.findElement(By.id("access")).getText()).contains("Statistics only",
                "Statistics and pseudonymised records").doesNotContainIgnoringCase("anonymised records");
        browser.findElement(By.xpath("//button[normalize-space()='Continue']")).click();
        waitForHeading("Donate to " + DemoConfig.DEMO_PROGRAMME_NAME);
        assertThat(browser.findElement(By.id("access-error")).getText())
                .contains("Please choose how researchers may receive your data").contains("Nothing has been shared");
        assertThat(browser.findElements(By.cssSelector("input[name='access']"))).noneMatch(WebElement::isSelected);
        assertThat(browser.findElements(By.cssSelector("input[name='type']:checked"))).as("the kinds stay ticked")
                .isNotEmpty();
        browser.findElement(By.id("access-records")).click();
        browser.findElement(By.xpath("//button[normalize-space()='Continue']")).click();
        waitForHeading("Check and confirm");
        String summary = browser.findElement(By.id("summary")).getText();
        assertThat(summary).contains(DemoConfig.DEMO_PROGRAMME_NAME, "MyData Health Research Foundation (demo)",
                "lab results and measurements", "diagnoses", DemoConfig.DEMO_SOURCE_NAME,
                "Until you withdraw your consent", "Statistics and pseudonymised records")
                .doesNotContain("vaccinations");
        browser.findElement(By.cssSelector("#exact-text summary")).click();
        browser.findElement(By.cssSelector("#auditors summary")).click();
        String shownText = browser.findElement(By.id("consent-text")).getText();
        assertThat(shownText).contains("Observation", DemoConfig.DEMO_SOURCE_NAME, "pseudonymised records")
                .doesNotContain("Immunization");
        String fingerprint = browser.findElement(By.cssSelector("code.hash")).getText();
        screenshot("confirmation");
        browser.findElement(By.id("confirm")).click();

        wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "active"));
        assertThat(notice()).contains("Your consent is given");
        assertThat(browser.findElement(By.id("consent-access")).getText())
                .isEqualTo("Statistics and pseudonymised records");
        UUID consentId = UUID.fromString(browser.getCurrentUrl().replaceAll(".*/app/consents/([0-9a-f-]{36}).*", "$1"));

        // A research project reads the data (what the gateway records for every read it serves).
        researcherReads(consentId);

        // The receipt: readable, checked, and downloadable as the signed record itself.
        browser.findElement(By.id("receipt")).click();
        waitForHeading("Receipt: your consent to " + DemoConfig.DEMO_PROGRAMME_NAME);
        browser.findElement(By.cssSelector("#auditors summary")).click();
        assertThat(browser.findElement(By.id("signature")).getText()).startsWith("The signature is valid");
        assertThat(browser.findElement(By.id("fingerprint")).getText()).isEqualTo(fingerprint);
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("It matches the text below.");
        screenshot("receipt");
        VerifiedRecord receipt = downloadedReceipt(consentId);
        assertThat(receipt.type()).isEqualTo(RecordType.CONSENT);
        assertThat(receipt.claims()).containsEntry("cr_id", consentId.toString())
                .containsEntry("access_modes", List.of("statistics", "records"));
        assertThat(browser.findElement(By.id("receipt-access")).getText())
                .isEqualTo("Statistics and pseudonymised records");
        assertThat(((Map<?, ?>) receipt.claims().get("terms")).get("shown_text_sha256")).isEqualTo(fingerprint);

        // Pause, resume, withdraw (with its confirmation), each a new signed status record.
        browser.findElement(By.linkText("Back to the consent")).click();
        browser.findElement(By.id("pause")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "paused"));
        assertThat(notice()).contains("paused");
        browser.findElement(By.id("resume")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "active"));
        browser.findElement(By.id("withdraw")).click();
        waitForHeading("Withdraw your consent to " + DemoConfig.DEMO_PROGRAMME_NAME + "?");
        assertThat(browser.findElement(By.id("withdraw-warning")).getText()).contains("final", "immediately");
        browser.findElement(By.id("withdraw-confirm")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "withdrawn"));
        assertThat(notice()).contains("withdrawn", "final");
        assertThat(browser.findElements(By.cssSelector("#pause, #resume, #withdraw"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("#history tbody tr")).stream()
                .map(row -> row.getAttribute("data-status")).toList())
                .containsExactly("active", "paused", "active", "withdrawn");
        screenshot("consent-phone", PHONE);

        browser.findElement(By.linkText("Your consents")).click();
        waitForHeading("Your consents");
        WebElement card = browser.findElement(By.cssSelector("article[data-consent='" + consentId + "']"));
        assertThat(card.findElements(By.cssSelector("ol.history li"))).hasSize(4);
        assertThat(card.getText()).contains("Withdrawn");
        screenshot("consents");

        // Who used the data: the project's read, in words.
        browser.findElement(By.linkText("Who used your data")).click();
        waitForHeading("Who used your data");
        String log = browser.findElement(By.id("access-log")).getText();
        assertThat(log).contains("University of Tampere (demo)", "Kidney function after diabetes diagnosis",
                "academic research", "lab results and measurements", "42 records", DemoConfig.DEMO_PROGRAMME_NAME);
        screenshot("access-log");

        // Another citizen: carol's consent does not exist for bob.
        browser.findElement(By.xpath("//button[normalize-space()='Sign out']")).click();
        wait.until(ExpectedConditions.urlContains("/login"));
        open("/app/consents/" + consentId);
        signIn("bob", "bob-demo-password");
        waitForHeading("Something went wrong");
        assertThat(browser.findElement(By.id("problem")).getText()).contains("We could not find that page");
        assertThat(browser.getPageSource()).doesNotContain(DemoConfig.DEMO_SOURCE_NAME + ".");
        open("/app/consents");
        waitForHeading("Your consents");
        assertThat(browser.findElements(By.cssSelector("article[data-consent='" + consentId + "']"))).isEmpty();
    }

    private void open(String path) {
        browser.get(http.base() + path);
    }

    private void signIn(String username, String password) {
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys(username);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.cssSelector("button[type='submit']")).click();
    }

    private void waitForHeading(String text) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), text));
    }

    private String notice() {
        return browser.findElement(By.cssSelector(".notice")).getText();
    }

    private WebElement source(String name) {
        return browser.findElement(By.cssSelector("article[data-source='" + name + "']"));
    }

    /** The checkbox whose label reads {@code label}. */
    private WebElement checkbox(String label) {
        WebElement forIt = browser.findElement(By.xpath("//label[normalize-space()='" + label + "']"));
        return browser.findElement(By.id(forIt.getAttribute("for")));
    }

    /** Stands in for the FHIR gateway: a steward-approved project reads 42 of carol's resources. */
    private void researcherReads(UUID consentId) {
        UUID programmeId = demoProgrammeId();
        DataRequest request = dataRequests.submit("researcher-demo", new NewDataRequest(programmeId,
                "Kidney function after diabetes diagnosis", "University of Tampere (demo)", "dpv:AcademicResearch",
                DataScope.ofTypes(List.of("Observation", "Condition")), "Cohort study of eGFR trends.",
                Instant.now().plus(365, ChronoUnit.DAYS)));
        DataRequest approved = dataRequests.decide(DemoConfig.DEMO_STEWARD, request.id(),
                DataRequests.Decision.APPROVE, "Approved by the data access committee.");
        UUID carol = accounts.forSubject(citizenSubjects.subjectOf("carol")).id();
        accessLog.record(new AccessEvent(UUID.randomUUID(), approved.permitId(), "researcher-demo", "search-type",
                List.of("Observation"), 42, List.of(new PersonAccess(carol, consentId, 42)), Instant.now()));
    }

    private UUID demoProgrammeId() {
        for (var programme : http.get("/api/v1/programmes", null).json()) {
            if (programme.get("name").asText().equals(DemoConfig.DEMO_PROGRAMME_NAME)) {
                return UUID.fromString(programme.get("id").asText());
            }
        }
        throw new AssertionError("the demo programme is not registered");
    }

    /** The receipt file as the browser session downloads it, checked against the operator's published keys. */
    private VerifiedRecord downloadedReceipt(UUID consentId) throws Exception {
        String session = browser.manage().getCookieNamed("JSESSIONID").getValue();
        HttpResponse<String> file = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(http.base() + "/app/consents/" + consentId + "/receipt.jws"))
                .header("Cookie", "JSESSIONID=" + session).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/jose");
        assertThat(file.headers().firstValue("Content-Disposition").orElseThrow())
                .contains("attachment", "consent-" + consentId + ".jws");
        JWKSet jwks = JWKSet.parse(http.get("/.well-known/jwks.json", null).body());
        return new RecordVerifier(jwks).verify(file.body());
    }

    private void screenshot(String name) throws IOException {
        screenshot(name, null);
    }

    private void screenshot(String name, Dimension size) throws IOException {
        Screenshots.take(browser, name, size);
    }
}
