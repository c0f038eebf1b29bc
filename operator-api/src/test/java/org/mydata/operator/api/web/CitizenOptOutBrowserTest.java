package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.demo.DemoConfig;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Opting out of the demo's opt-out programme and undoing it through the pages, in a real headless Chromium: the
 * catalogue says in plain words how each programme works, the opt-out goes through a confirmation page that
 * shows the exact notice, and the undo through one of its own. Runs where Debian's {@code chromium} and
 * {@code chromium-driver} are installed, like {@link CitizenPagesBrowserTest}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CitizenOptOutBrowserTest {

    @LocalServerPort
    int port;

    private OperatorHttp http;
    private WebDriver browser;
    private WebDriverWait wait;
    private Chromium chromium;

    /** An operator of its own, so bob starts with no opt-outs whatever other tests do. */
    @DynamicPropertySource
    static void ownDataDir(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-opt-out-browser").toString();
        registry.add("operator.data-dir", () -> dataDir);
    }

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
    void bobOptsOutAndUndoesItThroughTheBrowser() {
        browser.get(http.base() + "/app/programmes");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys("bob");
        browser.findElement(By.id("password")).sendKeys("bob-demo-password");
        browser.findElement(By.cssSelector("button[type='submit']")).click();
        waitForHeading("Data-donor programmes");

        assertThat(browser.findElement(By.id("bases-explained")).getText()).contains("Opt-out programmes");
        assertThat(programme(DemoConfig.DEMO_PROGRAMME_NAME).findElement(By.cssSelector(".basis")).getText())
                .startsWith("Opt-in: nothing of yours is shared unless you donate");
        WebElement ehds = programme(DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME);
        assertThat(ehds.findElement(By.cssSelector(".basis")).getText())
                .startsWith("Opt-out: your data").contains("unless you object");
        assertThat(ehds.getText()).contains("European Health Data Space").doesNotContain("Donate to");

        // Linked at the demo hospital and not opted out, bob is in the cohort of a permit of the programme, and
        // "who may read my data now" says so, and why.
        String bobToken = http.citizenToken("bob", "bob-demo-password");
        String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
        String source = null;
        for (JsonNode s : http.get("/api/v1/sources", admin).json()) {
            if (s.get("name").asText().equals(DemoConfig.DEMO_SOURCE_NAME)) {
                source = s.get("id").asText();
            }
        }
        assertThat(http.post("/api/v1/me/links", bobToken, Map.of("sourceId", source)).status()).isIn(201, 409);
        String programmeId = null;
        for (JsonNode p : http.get("/api/v1/programmes", bobToken).json()) {
            if (p.get("name").asText().equals(DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME)) {
                programmeId = p.get("id").asText();
            }
        }
        String researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
        String steward = http.clientToken(DemoConfig.DEMO_STEWARD, "steward-demo-secret", "steward");
        OperatorHttp.Reply request = http.post("/api/v1/requests", researcher, Map.of("programmeId", programmeId,
                "title", "Registry study", "organisation", "Test University", "purpose", "dpv:AcademicResearch",
                "scope", Map.of("resourceTypes", List.of("Observation")), "justification", "Testing the opt-out",
                "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        assertThat(request.status()).as(request.body()).isEqualTo(201);
        String permit = http.post("/api/v1/requests/" + request.json().get("id").asText() + "/decision", steward,
                Map.of("decision", "approve")).json().get("permitId").asText();
        browser.get(http.base() + "/app/permits");
        WebElement card = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("permit-" + permit)));
        assertThat(card.findElement(By.cssSelector("dd.included")).getText())
                .contains(DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME, "Nobody asked for your consent");
        // What lets the project read: the programme's legal basis, never "your consent".
        assertThat(card.findElement(By.cssSelector("dd.basis")).getText())
                .isEqualTo("The programme’s legal basis, not your consent.");
        assertThat(card.getText()).doesNotContain("Through your consent");
        assertThat(browser.findElement(By.id("opt-out-stop")).getText()).contains("opt out of the programme");
        browser.get(http.base() + "/app/programmes");
        waitForHeading("Data-donor programmes");
        ehds = programme(DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME);

        ehds.findElement(By.linkText("Opt out of " + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME)).click();
        waitForHeading("Opt out of " + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME + "?");
        assertThat(browser.findElement(By.id("opt-out-text")).getText())
                .startsWith("I object to the use of my health data").contains("Art. 71");
        assertThat(browser.findElement(By.id("opt-out-text")).getAttribute("lang")).isEqualTo("en");
        browser.findElement(By.id("opt-out-confirm")).click();

        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"),
                "You have opted out"));
        browser.get(http.base() + "/app/permits");
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("no-permits")))).isNotNull();
        assertThat(browser.findElements(By.id("permit-" + permit))).isEmpty();
        browser.get(http.base() + "/app/programmes");
        waitForHeading("Data-donor programmes");
        WebElement optedOut = programme(DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME);
        assertThat(optedOut.findElement(By.cssSelector(".opted-out")).getText()).startsWith("You opted out on");
        optedOut.findElement(By.linkText("Undo opt-out of " + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME)).click();

        waitForHeading("Undo your opt-out of " + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME + "?");
        browser.findElement(By.id("undo-confirm")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"),
                "Your opt-out is undone"));
        assertThat(programme(DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME)
                .findElements(By.linkText("Opt out of " + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME))).hasSize(1);

        // What the pages did is what the API shows: one opt-out, signed, and withdrawn.
        JsonNode optOuts = http.get("/api/v1/me/opt-outs", http.citizenToken("bob", "bob-demo-password")).json();
        assertThat(optOuts).singleElement().satisfies(o -> {
            assertThat(o.get("status").asText()).isEqualTo("withdrawn");
            assertThat(o.get("history")).hasSize(2);
        });
    }

    private void waitForHeading(String text) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), text));
    }

    private WebElement programme(String name) {
        return browser.findElement(By.cssSelector("article[data-programme='" + name + "']"));
    }
}
