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
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.demo.DemoConfig;
import org.mydata.operator.api.security.CitizenSubjects;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Issue 15, items 7, 11 and 13 in a real headless Chromium: who may read my data now (and no longer after a
 * withdrawal), purposes explained, everything downloaded with the access log and names as JSON and as a readable
 * summary, the rights page with its contacts and the supervisory authority, and an erasure request after the
 * withdrawal that the consent page shows. Skipped without Debian's {@code chromium} and {@code chromium-driver}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CitizenRightsBrowserTest {
    private static final String PROJECT = "Sleep and blood pressure in Northern Finland";
    private static final String ORGANISATION = "University of Oulu (demo)";
    private static final String OTHER_PROJECT = "Vaccination coverage survey";

    /** An operator of its own, so that alice starts with no links, consents or permits over her. */
    @DynamicPropertySource
    static void ownDataDir(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-rights-browser").toString();
        registry.add("operator.data-dir", () -> dataDir);
    }

    @LocalServerPort
    int port;
    @Autowired
    AccessLog accessLog;
    @Autowired
    Accounts accounts;
    @Autowired
    CitizenSubjects citizenSubjects;

    private OperatorHttp http;
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
    void aliceSeesWhoMayReadHerDataDownloadsEverythingAndAsksForErasureAfterWithdrawing() throws Exception {
        // Through the real API: alice links the demo hospital and consents to lab results and diagnoses (the
        // demo programme's purposes, scientific and health research); two projects get permits.
        String alice = http.citizenToken("alice", "alice-demo-password");
        String source = demoSourceId();
        assertThat(http.post("/api/v1/me/links", alice, Map.of("sourceId", source)).status()).isEqualTo(201);
        UUID programme = demoProgrammeId();
        OperatorHttp.Reply given = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme.toString(),
                "sourceIds", List.of(source), "scope", Map.of("resourceTypes", List.of("Observation", "Condition"))));
        assertThat(given.status()).as(given.body()).isEqualTo(201);
        UUID consentId = UUID.fromString(given.json().get("id").asText());
        UUID permit = approvedPermit(programme, PROJECT, List.of("Observation", "Condition", "Immunization"));
        // Vaccinations only: alice did not consent to them, so this permit's cohort does not include her.
        UUID otherPermit = approvedPermit(programme, OTHER_PROJECT, List.of("Immunization"));
        UUID aliceAccount = accounts.forSubject(citizenSubjects.subjectOf("alice")).id();
        // What the gateway records for a read it serves: the project read 7 of alice's lab results.
        accessLog.record(new AccessEvent(UUID.randomUUID(), permit, "researcher-demo", "search-type",
                List.of("Observation"), 7, List.of(new PersonAccess(aliceAccount, consentId, 7)), Instant.now()));

        open("/app");
        signIn("alice", "alice-demo-password");
        waitForHeading("Your health data");

        // Who may read my data now: the permit whose cohort includes her, in words, with its purpose explained.
        browser.findElement(By.linkText("Who may read your data")).click();
        waitForHeading("Who may read your data now");
        assertThat(browser.findElements(By.cssSelector("article[data-permit='" + otherPermit + "']"))).isEmpty();
        String card = browser.findElement(By.cssSelector("article[data-permit='" + permit + "']")).getText();
        assertThat(card).contains(PROJECT, ORGANISATION, "academic research",
                "“academic research” is a kind of “scientific research”.",
                "You consented to “scientific research”, so your consent covers it.",
                "lab results and measurements", "diagnoses", DemoConfig.DEMO_STEWARD + ", the programme’s steward",
                DemoConfig.DEMO_PROGRAMME_NAME).doesNotContain("vaccinations").doesNotContain(OTHER_PROJECT);

        // Who did read it: by project and organisation, the purpose explained the same way, no bare permit id.
        browser.findElement(By.linkText("See who has already read your data")).click();
        waitForHeading("Who used your data");
        String log = browser.findElement(By.id("access-log")).getText();
        assertThat(log).contains(PROJECT, ORGANISATION, "academic research", "7 records",
                "“academic research” is a kind of “scientific research”.").doesNotContain(permit.toString());

        // Download everything: the JSON holds the access log and names; the summary reads the same, without script.
        JsonNode export = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(fetch("/app/export").body());
        assertThat(export.get("format").asText()).isEqualTo("mydata-person-export/2");
        assertThat(export.get("links").get(0).get("sourceName").asText()).isEqualTo(DemoConfig.DEMO_SOURCE_NAME);
        assertThat(export.get("links").get(0).get("sourceId").asText()).isEqualTo(source);
        JsonNode consent = export.get("consents").get(0);
        assertThat(consent.get("id").asText()).isEqualTo(consentId.toString());
        assertThat(consent.get("programmeName").asText()).isEqualTo(DemoConfig.DEMO_PROGRAMME_NAME);
        JsonNode access = export.get("accessLog").get(0);
        assertThat(access.get("permit").get("id").asText()).isEqualTo(permit.toString());
        assertThat(access.get("permit").get("project").asText()).isEqualTo(PROJECT);
        assertThat(access.get("permit").get("organisation").asText()).isEqualTo(ORGANISATION);
        assertThat(access.get("purpose").get("code").asText()).isEqualTo("dpv:AcademicResearch");
        assertThat(access.get("programmeName").asText()).isEqualTo(DemoConfig.DEMO_PROGRAMME_NAME);
        assertThat(access.get("consentId").asText()).isEqualTo(consentId.toString());
        assertThat(access.get("resourceCount").asInt()).isEqualTo(7);

        HttpResponse<String> summaryFile = fetch("/app/export/summary");
        assertThat(summaryFile.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(summaryFile.body()).doesNotContainIgnoringCase("<script").doesNotContain("<link")
                .doesNotContain("app.css");
        open("/app");
        browser.findElement(By.linkText("Read it as a summary you can print")).click();
        waitForHeading("Everything we hold about you");
        String summary = browser.findElement(By.tagName("main")).getText();
        assertThat(summary).contains(DemoConfig.DEMO_SOURCE_NAME, DemoConfig.DEMO_PROGRAMME_NAME, PROJECT,
                ORGANISATION, "academic research", "lab results and measurements", "7 records", "Active");
        // The consent names its source by name, never by the link's id.
        String consentSection = browser.findElement(By.cssSelector("section.consent")).getText();
        assertThat(consentSection).contains(DemoConfig.DEMO_SOURCE_NAME)
                .doesNotContain(export.get("links").get(0).get("id").asText());
        // A way back, and it fits a 375 px phone: nothing wider than the screen.
        assertThat(browser.findElement(By.id("back")).getAttribute("href")).endsWith("/app");
        Dimension desktop = browser.manage().window().getSize();
        browser.manage().window().setSize(new Dimension(375, 812));
        assertThat((Boolean) ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")).isTrue();
        browser.manage().window().setSize(desktop);
        // Its own styles apply under its content security policy: the heading rule is the style block's.
        assertThat(((JavascriptExecutor) browser).executeScript(
                "return getComputedStyle(document.querySelector('h2')).borderBottomStyle")).isEqualTo("solid");

        // Rights and contacts, linked from every page's footer.
        open("/app/consents/" + consentId);
        browser.findElement(By.id("rights-link")).click();
        waitForHeading("Your rights and whom to contact");
        assertThat(browser.findElement(By.id("controller")).getText())
                .contains("Demo Consent Operator Ltd (demo, not a real organisation)", "privacy@operator.example");
        assertThat(browser.findElement(By.id("dpo")).getText()).contains("dpo@operator.example");
        String authority = browser.findElement(By.id("authority")).getText();
        assertThat(authority).contains("Data Protection Ombudsman (Finland)", "https://tietosuoja.fi");
        assertThat(browser.findElement(By.cssSelector("#authority a")).getAttribute("href"))
                .startsWith("https://tietosuoja.fi");
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("right to complain");

        // Withdraw: the confirmation says erasure can be asked for next; afterwards no permit may read her data.
        open("/app/consents/" + consentId);
        browser.findElement(By.id("withdraw")).click();
        waitForHeading("Withdraw your consent to " + DemoConfig.DEMO_PROGRAMME_NAME + "?");
        assertThat(browser.findElement(By.id("withdraw-erasure")).getText()).contains("erased");
        browser.findElement(By.id("withdraw-confirm")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "withdrawn"));
        open("/app/permits");
        waitForHeading("Who may read your data now");
        assertThat(browser.findElement(By.id("no-permits")).getText())
                .isEqualTo("No research project may read your data now.");
        assertThat(browser.findElements(By.cssSelector("article[data-permit]"))).isEmpty();

        // Ask for erasure of what was already shared: a signed request the consent page shows.
        open("/app/consents/" + consentId);
        browser.findElement(By.id("request-erasure")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("erasure-requested")));
        assertThat(browser.findElement(By.cssSelector(".notice")).getText()).contains("request to erase");
        assertThat(browser.findElement(By.id("erasure-requested")).getText())
                .contains("You asked on", "to the programme and to the one project that received data under it");
        assertThat(browser.findElements(By.id("request-erasure"))).isEmpty();
        HttpResponse<String> jws = fetch("/app/consents/" + consentId + "/erasure-request.jws");
        assertThat(jws.statusCode()).isEqualTo(200);
        VerifiedRecord request = new RecordVerifier(JWKSet.parse(http.get("/.well-known/jwks.json", null).body()))
                .verify(jws.body());
        assertThat(request.type()).isEqualTo(RecordType.ERASURE_REQUEST);
        assertThat(request.claims()).containsEntry("cr_id", consentId.toString())
                .containsEntry("account_id", aliceAccount.toString())
                .containsEntry("permit_ids", List.of(permit.toString()));
        // Asking again (a second submit of the same form) keeps the one request.
        WebSession second = new WebSession(http.base());
        second.signIn("alice", "alice-demo-password");
        second.post("/app/consents/" + consentId + "/erasure", Map.of("_csrf", second.csrfToken()));
        JsonNode after = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(fetch("/app/export").body());
        assertThat(after.get("erasureRequests")).hasSize(1);
        assertThat(after.get("erasureRequests").get(0).get("record").asText()).isEqualTo(jws.body());
        assertThat(after.get("erasureRequests").get(0).get("programmeName").asText())
                .isEqualTo(DemoConfig.DEMO_PROGRAMME_NAME);

        // In Finnish, the rights page names the Ombudsman's office in Finnish.
        HttpResponse<String> finnish = fetch("/app/rights", "Accept-Language", "fi");
        assertThat(finnish.body()).contains("Tietosuojavaltuutetun toimisto", "Oikeutesi ja yhteystiedot");
    }

    private UUID approvedPermit(UUID programme, String title, List<String> types) {
        String researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
        String steward = http.clientToken(DemoConfig.DEMO_STEWARD, "steward-demo-secret", "steward");
        OperatorHttp.Reply request = http.post("/api/v1/requests", researcher, Map.of("programmeId", programme.toString(),
                "title", title, "organisation", ORGANISATION, "purpose", "dpv:AcademicResearch",
                "scope", Map.of("resourceTypes", types), "justification", "Testing " + title,
                "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        assertThat(request.status()).as(request.body()).isEqualTo(201);
        OperatorHttp.Reply decided = http.post("/api/v1/requests/" + request.json().get("id").asText() + "/decision",
                steward, Map.of("decision", "approve"));
        assertThat(decided.status()).as(decided.body()).isEqualTo(200);
        return UUID.fromString(decided.json().get("permitId").asText());
    }

    private String demoSourceId() {
        String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
        for (JsonNode s : http.get("/api/v1/sources", admin).json()) {
            if (s.get("name").asText().equals(DemoConfig.DEMO_SOURCE_NAME)) {
                return s.get("id").asText();
            }
        }
        throw new AssertionError("the demo source is not registered");
    }

    private UUID demoProgrammeId() {
        for (JsonNode p : http.get("/api/v1/programmes", null).json()) {
            if (p.get("name").asText().equals(DemoConfig.DEMO_PROGRAMME_NAME)) {
                return UUID.fromString(p.get("id").asText());
            }
        }
        throw new AssertionError("the demo programme is not registered");
    }

    /** A page or file as the browser's session gets it (downloads are not the browser's strength headless). */
    private HttpResponse<String> fetch(String path, String... headers) throws Exception {
        String session = browser.manage().getCookieNamed("JSESSIONID").getValue();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(http.base() + path))
                .header("Cookie", "JSESSIONID=" + session).GET();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response;
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
}
