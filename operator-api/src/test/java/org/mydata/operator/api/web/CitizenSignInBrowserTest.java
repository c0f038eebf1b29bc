package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.demo.DemoConfig;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Issue 15 items 3 and 12 in a real Chromium, with the embedded default's sign-in: a person whose session ended
 * presses Pause, or Withdraw on the withdrawal's confirmation, and is led through signing in back to the same
 * action, which nothing has done yet and which they confirm once more; no page carries {@code ;jsessionid=}; the
 * sign-in and sign-out pages are the pages' own, styled and in the reader's language.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CitizenSignInBrowserTest {
    @LocalServerPort
    int port;

    /** An operator of its own: carol's consents here are this test's alone. */
    @DynamicPropertySource
    static void ownDataDir(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-signin-browser").toString();
        registry.add("operator.data-dir", () -> dataDir);
    }

    @Test
    void pauseAndWithdrawAfterTheSessionEndedLeadThroughSignInBackToTheSameAction() throws Exception {
        OperatorHttp http = new OperatorHttp(port);
        String carol = http.citizenToken("carol", "carol-demo-password");
        String source = demoSourceId(http);
        assertThat(http.post("/api/v1/me/links", carol, Map.of("sourceId", source)).status()).isIn(201, 409);
        OperatorHttp.Reply granted = http.post("/api/v1/me/consents", carol,
                Map.of("programmeId", demoProgrammeId(http), "sourceIds", List.of(source)));
        assertThat(granted.status()).as(granted.body()).isEqualTo(201);
        String consent = granted.json().get("id").asText();

        try (Chromium chromium = Chromium.start("en-GB")) {
            WebDriver browser = chromium.browser;
            browser.get(http.base() + "/app/consents/" + consent);
            chromium.heading("Sign in");
            noSessionInUrls(browser);
            chromium.signIn("carol", "carol-demo-password");
            chromium.wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "active"));

            // The session ends (the cookie is gone, as after a timeout); then the person presses Pause.
            browser.manage().deleteCookieNamed("JSESSIONID");
            chromium.click("pause");
            chromium.heading("Sign in");
            noSessionInUrls(browser);
            assertThat(status(http, carol, consent)).isEqualTo("active");
            chromium.signIn("carol", "carol-demo-password");
            chromium.heading("Pause your consent to " + DemoConfig.DEMO_PROGRAMME_NAME + "?");
            assertThat(browser.findElement(By.id("again")).getText()).contains("nothing has been changed yet");
            noSessionInUrls(browser);
            assertThat(status(http, carol, consent)).isEqualTo("active");
            chromium.click("pause");
            chromium.wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "paused"));
            assertThat(status(http, carol, consent)).isEqualTo("paused");

            // Withdrawing: the confirmation is open when the session ends, and "Yes, withdraw" comes too late.
            chromium.click("withdraw");
            chromium.heading("Withdraw your consent to " + DemoConfig.DEMO_PROGRAMME_NAME + "?");
            assertThat(browser.findElements(By.id("again"))).isEmpty();
            browser.manage().deleteCookieNamed("JSESSIONID");
            chromium.click("withdraw-confirm");
            chromium.heading("Sign in");
            chromium.signIn("carol", "carol-demo-password");
            // Back at the same confirmation, told that nothing happened yet: never withdrawn unconfirmed, never lost.
            chromium.heading("Withdraw your consent to " + DemoConfig.DEMO_PROGRAMME_NAME + "?");
            assertThat(browser.findElement(By.id("again")).getText()).contains("nothing has been changed yet");
            assertThat(browser.findElement(By.id("withdraw-warning")).getText()).contains("final");
            assertThat(status(http, carol, consent)).isEqualTo("paused");
            chromium.click("withdraw-confirm");
            chromium.wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "withdrawn"));
            assertThat(browser.findElement(By.cssSelector(".notice")).getText()).contains("withdrawn");
            assertThat(status(http, carol, consent)).isEqualTo("withdrawn");
            noSessionInUrls(browser);

            // Signing out: asked first when reached by its address, then the sign-in page says it is done.
            browser.get(http.base() + "/logout");
            chromium.heading("Sign out?");
            assertThat(browser.findElement(By.tagName("main")).getText()).contains("You are signed in as carol");
            chromium.click("sign-out");
            chromium.heading("Sign in");
            assertThat(browser.findElement(By.id("signed-out")).getText()).isEqualTo("You have signed out.");
            browser.get(http.base() + "/app");
            chromium.heading("Sign in");
        }
    }

    @Test
    void theSignInPageIsThePagesOwnStyledAndInTheReadersLanguage() throws Exception {
        OperatorHttp http = new OperatorHttp(port);
        try (Chromium chromium = Chromium.start("fi")) {
            WebDriver browser = chromium.browser;
            browser.get(http.base() + "/app");
            chromium.heading("Kirjaudu sisään");
            assertThat(browser.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("fi");
            assertThat(browser.getTitle()).startsWith("Kirjaudu sisään");
            assertThat(browser.findElement(By.cssSelector("label[for='username']")).getText()).isEqualTo("Käyttäjätunnus");
            assertThat(browser.findElement(By.cssSelector("label[for='password']")).getText()).isEqualTo("Salasana");
            assertThat(browser.findElements(By.cssSelector("main#content"))).hasSize(1);
            assertThat(browser.findElements(By.cssSelector("header.site"))).hasSize(1);
            // The pages' style sheet applies: the brand colour on the button, not the browser's grey.
            assertThat(browser.findElement(By.id("sign-in")).getCssValue("background-color"))
                    .isEqualTo("rgba(11, 79, 138, 1)");
            assertThat(browser.findElement(By.id("sign-in")).getText()).isEqualTo("Kirjaudu sisään");
            noSessionInUrls(browser);

            // The sign-in form itself outlived its session: a page that says so, not a bare 403.
            browser.manage().deleteCookieNamed("JSESSIONID");
            browser.findElement(By.id("username")).sendKeys("carol");
            browser.findElement(By.id("password")).sendKeys("carol-demo-password");
            chromium.click("sign-in");
            chromium.wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("expired")));
            assertThat(browser.findElement(By.id("expired")).getText()).contains("Istuntosi oli ehtinyt päättyä");
            chromium.signIn("carol", "wrong-password");
            chromium.wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-error")));
            assertThat(browser.findElement(By.id("sign-in-error")).getText()).startsWith("Kirjautuminen ei onnistunut");
            chromium.signIn("carol", "carol-demo-password");
            chromium.wait.until(ExpectedConditions.urlContains("/app"));
            browser.get(http.base() + "/logout");
            chromium.heading("Kirjaudutaanko ulos?");
            chromium.click("sign-out");
            chromium.wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signed-out")));
            assertThat(browser.findElement(By.id("signed-out")).getText()).isEqualTo("Olet kirjautunut ulos.");
        }
        HttpResponse<String> swedish = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(http.base() + "/login?logout")).header("Accept-Language", "sv").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(swedish.body()).contains("lang=\"sv\"", "<h1>Logga in</h1>", "Du har loggat ut.", "Användarnamn",
                "Lösenord").doesNotContainIgnoringCase("jsessionid");
    }

    /** No link, form or style sheet of the page, nor its address, carries the session id. */
    private static void noSessionInUrls(WebDriver browser) {
        assertThat(browser.getCurrentUrl()).doesNotContainIgnoringCase("jsessionid");
        assertThat(browser.getPageSource()).doesNotContainIgnoringCase("jsessionid");
        assertThat(browser.findElements(By.cssSelector("link[rel='stylesheet']"))).isNotEmpty();
    }

    private static String status(OperatorHttp http, String token, String consent) {
        return http.get("/api/v1/me/consents/" + consent, token).json().get("status").asText();
    }

    private static String demoSourceId(OperatorHttp http) {
        String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
        for (JsonNode source : http.get("/api/v1/sources", admin).json()) {
            if (source.get("name").asText().equals(DemoConfig.DEMO_SOURCE_NAME)) {
                return source.get("id").asText();
            }
        }
        throw new AssertionError("the demo source is not registered");
    }

    private static String demoProgrammeId(OperatorHttp http) {
        for (JsonNode programme : http.get("/api/v1/programmes", null).json()) {
            if (programme.get("name").asText().equals(DemoConfig.DEMO_PROGRAMME_NAME)) {
                return programme.get("id").asText();
            }
        }
        throw new AssertionError("the demo programme is not registered");
    }
}
