package org.mydata.operator.api.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.demo.DemoConfig;
import org.mydata.operator.api.security.DemoIdentities;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Acting for another person through the pages, in a real headless Chromium, with the registry of guardianships and
 * mandates a real HTTP server (WireMock) the test controls: alice, carol's guardian, chooses to manage carol's
 * data, links carol's record and donates for her; every page says whose data it is, the receipt names both, and
 * the signed record names carol as its subject and alice as the actor with the guardianship. Then a mandate that
 * bob gave alice ends while she manages his data: her next action is refused and she is back on her own data;
 * a registry that fails refuses too. Runs where Debian's {@code chromium} and {@code chromium-driver} are installed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RepresentationBrowserTest {
    static final WireMockServer REGISTRY = new WireMockServer(WireMockConfiguration.options().dynamicPort());

    @LocalServerPort
    int port;

    @Autowired
    DemoIdentities identities;

    private OperatorHttp http;
    private WebDriver browser;
    private WebDriverWait wait;
    private Chromium chromium;

    @DynamicPropertySource
    static void ownDataDirAndRegistry(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-representation-browser").toString();
        registry.add("operator.data-dir", () -> dataDir);
        REGISTRY.start();
        registry.add("operator.representation.registry-url", () -> REGISTRY.baseUrl());
        // A shared, busy test machine can be slow to answer the first question; an answer, not its speed, is tested.
        registry.add("operator.representation.registry-timeout", () -> "60s");
    }

    @AfterAll
    static void stopRegistry() {
        REGISTRY.stop();
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

    private String id(String username) {
        return identities.citizen(username).orElseThrow().personIdentifier();
    }

    /** What the registry says alice may do: guardian of carol (a child), and, unless ended, bob's mandate. */
    private void registryAnswers(boolean withBobsMandate) {
        String guardian = """
                {"kind": "guardian", "reference": "guardianship-alice-carol", "actor": "%s", "subject": "%s",
                 "subjectName": "Carol", "subjectBirthDate": "2015-06-01"}""".formatted(id("alice"), id("carol"));
        String mandate = """
                , {"kind": "mandate", "reference": "mandate-bob-alice", "actor": "%s", "subject": "%s",
                 "subjectName": "Bob"}""".formatted(id("alice"), id("bob"));
        REGISTRY.resetAll();
        REGISTRY.stubFor(get(urlPathEqualTo("/representations")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"representations\": [" + guardian + (withBobsMandate ? mandate : "") + "]}")));
    }

    @Test
    void aGuardianDonatesForTheChildAndEveryPageSaysWhoseDataItIs() {
        registryAnswers(true);
        open("/app");
        chromium.signIn("alice", "alice-demo-password");
        chromium.heading("Your health data");
        assertThat(whoseData()).isEqualTo("You are managing your own data.");

        browser.findElement(By.linkText("Whose data")).click();
        chromium.heading("Whose data you manage");
        chromium.click("acting-choice-guardianship-alice-carol");
        chromium.click("acting-submit");
        chromium.heading("Your health data");
        assertThat(whoseData()).isEqualTo("You are managing the data of Carol, as guardian.");

        // Carol's record at the demo hospital, found by carol's identifier from the guardianship.
        browser.findElement(By.linkText("Your sources")).click();
        chromium.heading("Your health record sources");
        assertThat(whoseData()).contains("Carol");
        browser.findElement(By.cssSelector("article[data-source='" + DemoConfig.DEMO_SOURCE_NAME + "'] button"))
                .click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "Linked to"));

        open(programmePath() + "/donate");
        chromium.heading("Donate to " + DemoConfig.DEMO_PROGRAMME_NAME);
        assertThat(whoseData()).contains("Carol");
        browser.findElement(By.id("access-records")).click();
        browser.findElement(By.id("type-all")).click();
        browser.findElement(By.xpath("//button[normalize-space()='Continue']")).click();
        chromium.heading("Check and confirm");
        assertThat(whoseData()).contains("Carol");
        browser.findElement(By.id("confirm")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "active"));

        browser.findElement(By.id("receipt")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("receipt-actor")));
        assertThat(browser.findElement(By.id("receipt-subject")).getText()).isEqualTo("Carol");
        assertThat(browser.findElement(By.id("receipt-actor")).getText())
                .isEqualTo("You, as guardian (reference guardianship-alice-carol)");

        // The consent is carol's, and its signed record names alice as the actor on the guardianship.
        JsonNode carols = http.get("/api/v1/me/consents", http.citizenToken("carol", "carol-demo-password")).json();
        assertThat(carols).hasSize(1);
        String payload = new String(Base64.getUrlDecoder().decode(carols.get(0).get("record").asText().split("\\.")[1]),
                StandardCharsets.UTF_8);
        JsonNode claims = OperatorHttp.JSON.readTree(payload);
        assertThat(claims.get("actor").get("representation").get("kind").asText()).isEqualTo("guardian");
        assertThat(claims.get("actor").get("representation").get("reference").asText())
                .isEqualTo("guardianship-alice-carol");
        assertThat(claims.get("actor").get("account_id").asText()).isNotEqualTo(claims.get("account_id").asText());
        assertThat(http.get("/api/v1/me/consents", http.citizenToken("alice", "alice-demo-password")).json())
                .isEmpty();

        // repr2: alice opts carol out of the opt-out programme and undoes it; both records are carol's and name alice
        // as the actor on the guardianship.
        open("/app/programmes");
        chromium.heading("Data-donor programmes");
        assertThat(whoseData()).contains("Carol");
        browser.findElement(By.cssSelector("article[data-programme='" + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME + "']"))
                .findElement(By.linkText("Opt out of " + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME)).click();
        chromium.heading("Opt out of " + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME + "?");
        assertThat(whoseData()).contains("Carol");
        browser.findElement(By.id("opt-out-confirm")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "You have opted out"));
        browser.findElement(By.cssSelector("article[data-programme='" + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME + "']"))
                .findElement(By.linkText("Undo opt-out of " + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME)).click();
        chromium.heading("Undo your opt-out of " + DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME + "?");
        browser.findElement(By.id("undo-confirm")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"),
                "Your opt-out is undone"));
        JsonNode carolsOptOuts = http.get("/api/v1/me/opt-outs", http.citizenToken("carol", "carol-demo-password"))
                .json();
        assertThat(carolsOptOuts).singleElement().satisfies(o -> assertThat(o.get("history")).hasSize(2)
                .allSatisfy(r -> {
                    JsonNode signed = claims(r.get("record").asText());
                    assertThat(signed.get("actor").get("representation").get("reference").asText())
                            .isEqualTo("guardianship-alice-carol");
                    assertThat(signed.get("actor").get("account_id").asText())
                            .isEqualTo(claims.get("actor").get("account_id").asText());
                }));
        assertThat(http.get("/api/v1/me/opt-outs", http.citizenToken("alice", "alice-demo-password")).json())
                .isEmpty();

        // Back to her own data: the pages say so.
        browser.findElement(By.linkText("Whose data")).click();
        chromium.heading("Whose data you manage");
        chromium.click("acting-self-choice");
        chromium.click("acting-submit");
        chromium.heading("Your health data");
        assertThat(whoseData()).isEqualTo("You are managing your own data.");
    }

    @Test
    void aMandateThatEndsMidSessionStopsTheActorAtTheNextAction() {
        registryAnswers(true);
        open("/app");
        chromium.signIn("alice", "alice-demo-password");
        chromium.heading("Your health data");
        open("/app/acting");
        chromium.heading("Whose data you manage");
        chromium.click("acting-choice-mandate-bob-alice");
        chromium.click("acting-submit");
        chromium.heading("Your health data");
        assertThat(whoseData()).isEqualTo("You are managing the data of Bob, as holder of a mandate.");
        open("/app/consents");
        chromium.heading("Your consents");

        // Bob revokes the mandate: the registry no longer lists it. The very next page is refused...
        registryAnswers(false);
        browser.findElement(By.linkText("Programmes")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".problem")));
        assertThat(browser.getPageSource()).doesNotContain("You are managing the data of Bob");
        // ... and she is back on her own data, where the registry's answer does not matter.
        open("/app");
        chromium.heading("Your health data");
        assertThat(whoseData()).isEqualTo("You are managing your own data.");
        open("/app/acting");
        chromium.heading("Whose data you manage");
        assertThat(browser.findElements(By.id("acting-choice-mandate-bob-alice"))).isEmpty();

        // A registry that fails refuses as well: nobody acts for anyone on an uncertain answer.
        chromium.click("acting-choice-guardianship-alice-carol");
        chromium.click("acting-submit");
        chromium.heading("Your health data");
        REGISTRY.resetAll();
        REGISTRY.stubFor(get(urlPathEqualTo("/representations")).willReturn(aResponse().withStatus(500)));
        open("/app/consents");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".problem")));
        assertThat(browser.getPageSource()).doesNotContain("You are managing the data of Carol");
    }

    private static JsonNode claims(String jws) {
        try {
            return OperatorHttp.JSON.readTree(new String(Base64.getUrlDecoder().decode(jws.split("\\.")[1]),
                    StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String whoseData() {
        WebElement banner = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("whose-data")));
        return banner.getText();
    }

    private String programmePath() {
        for (var programme : http.get("/api/v1/programmes", null).json()) {
            if (programme.get("name").asText().equals(DemoConfig.DEMO_PROGRAMME_NAME)) {
                return "/app/programmes/" + programme.get("id").asText();
            }
        }
        throw new AssertionError("the demo programme is not registered");
    }

    private void open(String path) {
        browser.get(http.base() + path);
    }
}
