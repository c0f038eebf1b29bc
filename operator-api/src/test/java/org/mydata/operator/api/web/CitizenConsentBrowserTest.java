package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

/**
 * Issue 15 items 4, 5, 8 and 9 in a real headless Chromium: the kinds of data start unticked, choosing none is
 * a friendly error and "all of these" is one tick; the confirmation leads with plain words, the programme's
 * promises, that the researchers are not yet known and how to stop, with the proof in a closed "For auditors"
 * fold; Back + "Confirm" again, and two confirmations at the same moment, leave one consent; a second donation
 * on other terms is refused showing the live consent; and after the hospital link is removed the consent says
 * it shares nothing from there.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CitizenConsentBrowserTest {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

    @LocalServerPort
    int port;

    private OperatorHttp http;
    private WebDriver browser;
    private WebDriverWait wait;
    private Chromium chromium;

    /** A data dir of its own: the journey starts from a citizen with no link and no consent. */
    @DynamicPropertySource
    static void ownDataDir(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-consent-browser").toString();
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
    void oneConsentPerProgrammeInPlainWords() throws Exception {
        open("/app");
        signIn("alice", "alice-demo-password");
        waitForHeading("Your health data");
        browser.findElement(By.linkText("Your sources")).click();
        waitForHeading("Your health record sources");
        source().findElement(By.tagName("button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "Linked to"));

        // Item 5: nothing ticked for the person; choosing nothing is a friendly error and signs nothing.
        openDonationForm();
        assertThat(browser.findElements(By.cssSelector("input[name='type']"))).hasSize(9)
                .noneMatch(WebElement::isSelected);
        assertThat(browser.findElement(By.id("type-all")).isSelected()).isFalse();
        assertThat(browser.findElement(By.id("kinds-hint")).getText()).contains("Nothing is ticked for you");
        String sourceId = browser.findElement(By.cssSelector("input[name='source']")).getAttribute("value");
        continueButton().click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".problem")));
        assertThat(browser.findElement(By.tagName("h1")).getText()).startsWith("Donate to");
        assertThat(browser.findElement(By.cssSelector(".problem")).getText())
                .contains("Please choose at least one kind of data", "Nothing has been shared or signed");
        assertThat(browser.findElement(By.id("kinds-error")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("kinds")).getAttribute("aria-describedby")).contains("kinds-error");
        assertThat(consentCount()).isZero();

        // "All of these kinds": one tick gives every kind the programme asks for.
        browser.findElement(By.id("type-all")).click();
        continueButton().click();
        waitForHeading("Check and confirm");

        // Item 8: plain words first, the promises, the unknown researchers, how to stop; the proof folded away.
        String summary = browser.findElement(By.id("summary")).getText();
        assertThat(summary).contains("What is shared", "lab results and measurements", "vaccinations",
                "basic details (age, sex)", "from: " + DemoConfig.DEMO_SOURCE_NAME, "With whom",
                "MyData Health Research Foundation (demo)", "How to stop", "Until you withdraw your consent")
                .doesNotContain("dpv:", "Observation", "SHA-256");
        assertThat(browser.findElement(By.id("researchers")).getText()).contains("The researchers are not known yet");
        assertThat(browser.findElement(By.id("promises")).getText()).contains("Non-commercial",
                "results are published openly", "European Economic Area");
        assertThat(browser.findElement(By.id("how-to-stop")).getText()).contains("pause or withdraw", "Your consents");
        assertClosedFold("auditors");
        assertClosedFold("exact-text");
        assertThat(browser.findElement(By.cssSelector("#auditors code.hash")).isDisplayed()).isFalse();
        browser.findElement(By.cssSelector("#auditors summary")).click();
        assertThat(browser.findElement(By.cssSelector("#auditors code.hash")).getText()).matches("[A-Za-z0-9_-]{43}");
        assertThat(browser.findElement(By.id("auditors")).getText()).contains("dpv:ScientificResearch", "Observation");
        browser.findElement(By.cssSelector("#exact-text summary")).click();
        assertThat(browser.findElement(By.id("consent-text")).getText())
                .contains("The programme promises: no one may use my data to make a profit");

        browser.findElement(By.id("confirm")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "active"));
        assertThat(notice()).contains("Your consent is given");
        String consentUrl = browser.getCurrentUrl();

        // Item 4: Back and "Confirm and donate" again finds the same consent and signs nothing new.
        browser.navigate().back();
        waitForHeading("Check and confirm");
        browser.findElement(By.id("confirm")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "already given"));
        assertThat(browser.getCurrentUrl()).isEqualTo(consentUrl);
        assertThat(consentCount()).isEqualTo(1);
        assertThat(browser.findElements(By.cssSelector("#history tbody tr"))).hasSize(1);

        // Two confirmations at the same moment (a double click that reached the server twice): still one.
        open(programmePath() + "/confirm?all=true&access=records&source=" + sourceId);
        waitForHeading("Check and confirm");
        assertThat(browser.findElement(By.id("repeats")).getText()).contains("already gave exactly this consent");
        List<Integer> statuses = submitConfirmTwiceAtOnce();
        assertThat(statuses).containsOnly(302);
        assertThat(consentCount()).isEqualTo(1);

        // Other terms while the consent lives: refused before anything is signed, pointing at the live consent.
        openDonationForm();
        assertThat(browser.findElement(By.id("already-consented")).getText())
                .contains("You already have a consent to this programme", "withdraw that consent first");
        checkbox("diagnoses").click();
        continueButton().click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".problem")));
        assertThat(browser.findElement(By.cssSelector(".problem")).getText())
                .contains("You already have a consent to this programme with other choices");
        browser.findElement(By.id("live-consent")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "active"));
        assertThat(browser.getCurrentUrl()).isEqualTo(consentUrl);
        assertThat(consentCount()).isEqualTo(1);

        // The consent page: plain words, promises, the proof folded and closed.
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("In force", "Non-commercial")
                .doesNotContain("dpv:", ".jws");
        assertClosedFold("auditors");
        browser.findElement(By.id("receipt")).click();
        waitForHeading("Receipt: your consent to");
        assertThat(browser.findElement(By.id("verdict")).getText())
                .isEqualTo("Checked: this receipt is genuine and unchanged.");
        assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("dpv:", "JWKS", "SHA-256");
        assertClosedFold("auditors");
        assertThat(browser.findElement(By.id("signature")).isDisplayed()).isFalse();
        browser.findElement(By.cssSelector("#auditors summary")).click();
        assertThat(browser.findElement(By.id("signature")).getText()).startsWith("The signature is valid");

        // Item 9: the hospital link removed, the consent no longer claims to share from it.
        browser.findElement(By.linkText("Your sources")).click();
        waitForHeading("Your health record sources");
        source().findElement(By.partialLinkText("Remove the link")).click();
        browser.findElement(By.xpath("//button[normalize-space()='Yes, remove the link']")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "is removed"));
        browser.get(consentUrl);
        wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "active"));
        assertThat(browser.findElement(By.id("shares-nothing")).getText()).contains("Nothing is shared right now");
        assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("In force");
        WebElement removed = browser.findElement(By.cssSelector("#consent-sources li[data-live='false']"));
        assertThat(removed.getText()).contains(DemoConfig.DEMO_SOURCE_NAME, "link removed on",
                "nothing more is shared from here");
        browser.findElement(By.linkText("Your consents")).click();
        waitForHeading("Your consents");
        assertThat(browser.findElement(By.cssSelector("article.consent")).getText())
                .contains(DemoConfig.DEMO_SOURCE_NAME + " (link removed, nothing more is shared from here)",
                        "Shares nothing right now");
    }

    /** Posts the confirm form the page shows twice, in parallel, with the browser's session. */
    private List<Integer> submitConfirmTwiceAtOnce() throws Exception {
        String page = browser.getPageSource();
        Matcher csrf = CSRF.matcher(page);
        assertThat(csrf.find()).isTrue();
        List<String> fields = new ArrayList<>();
        for (WebElement input : browser.findElements(By.cssSelector("form[action*='/donate'] input[type='hidden']"))) {
            fields.add(enc(input.getAttribute("name")) + "=" + enc(input.getAttribute("value")));
        }
        String body = String.join("&", fields);
        String action = browser.findElement(By.cssSelector("form[action*='/donate']")).getAttribute("action");
        String session = browser.manage().getCookieNamed("JSESSIONID").getValue();
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpRequest post = HttpRequest.newBuilder(URI.create(action)).header("Cookie", "JSESSIONID=" + session)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        List<CompletableFuture<HttpResponse<String>>> both = List.of(
                client.sendAsync(post, HttpResponse.BodyHandlers.ofString()),
                client.sendAsync(post, HttpResponse.BodyHandlers.ofString()));
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> response : both) {
            HttpResponse<String> r = response.get();
            statuses.add(r.statusCode());
            assertThat(r.headers().firstValue("Location").orElse("")).contains("/app/consents/");
        }
        return statuses;
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private void assertClosedFold(String id) {
        WebElement fold = browser.findElement(By.id(id));
        assertThat(fold.getTagName()).isEqualTo("details");
        assertThat(fold.getAttribute("open")).as("#%s starts closed", id).isNull();
    }

    /** The person's consents as the pages list them. */
    private int consentCount() {
        String back = browser.getCurrentUrl();
        open("/app/consents");
        waitForHeading("Your consents");
        int count = browser.findElements(By.cssSelector("article.consent")).size();
        browser.get(back);
        return count;
    }

    /** The donation form, with "statistics and pseudonymised records" chosen (CitizenPagesBrowserTest walks the choice). */
    private void openDonationForm() {
        open(programmePath() + "/donate");
        waitForHeading("Donate to " + DemoConfig.DEMO_PROGRAMME_NAME);
        browser.findElement(By.id("access-records")).click();
    }

    private String programmePath() {
        for (var programme : http.get("/api/v1/programmes", null).json()) {
            if (programme.get("name").asText().equals(DemoConfig.DEMO_PROGRAMME_NAME)) {
                return "/app/programmes/" + programme.get("id").asText();
            }
        }
        throw new AssertionError("the demo programme is not registered");
    }

    private WebElement continueButton() {
        return browser.findElement(By.xpath("//button[normalize-space()='Continue']"));
    }

    private WebElement checkbox(String label) {
        WebElement forIt = browser.findElement(By.xpath("//label[normalize-space()='" + label + "']"));
        return browser.findElement(By.id(forIt.getAttribute("for")));
    }

    private WebElement source() {
        return browser.findElement(By.cssSelector("article[data-source='" + DemoConfig.DEMO_SOURCE_NAME + "']"));
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
}
