package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.demo.DemoComingOfAge;
import org.mydata.operator.api.demo.DemoConfig;
import org.mydata.operator.api.security.DemoIdentities;
import org.mydata.operator.representation.Representations;
import org.mydata.operator.verify.VerifyCommand;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * majority: the embedded demo's coming of age, end to end, as someone trying the demo sees it, on an operator
 * clock the test moves forward (never back) instead of waiting the demo's minutes. At start the demo signed the
 * consent bob, dave's guardian, gave for dave, while dave is a minor; dave signs in and finds it, with nothing to
 * decide yet. Then the instant dave comes of age passes: bob can no longer act for him, and dave, at his next page,
 * is told he has come of age, confirms the consent with a record of his own, and the auditors' verifier passes the
 * consent's chain (the guardian's records named as acting on the guardianship, dave's confirmation as his own) and
 * the whole log. Runs where Debian's {@code chromium} and {@code chromium-driver} are installed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DemoComingOfAgeBrowserTest {

    /** The system clock plus an offset the test only ever increases: time passes on, faster when asked. */
    static final class AdvancingClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("the operator's clock is in UTC");
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }

        /** Moves the clock forward to {@code at}, if it is not there yet. */
        synchronized void advanceTo(Instant at) {
            Duration needed = Duration.between(Instant.now(), at);
            if (needed.compareTo(offset) > 0) {
                offset = needed;
            }
        }
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Clocks {
        @Bean
        @Primary
        AdvancingClock advancingClock() {
            return new AdvancingClock();
        }
    }

    @DynamicPropertySource
    static void demoWithItsComingOfAge(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-demo-coming-of-age").toString();
        registry.add("operator.data-dir", () -> dataDir);
        registry.add("operator.embedded.demo-coming-of-age", () -> "3m");
    }

    @LocalServerPort
    int port;
    @Autowired
    AdvancingClock clock;
    @Autowired
    DemoComingOfAge majority;
    @Autowired
    DemoIdentities identities;
    @Autowired
    Representations representations;

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
    void theDemoChildComesOfAgeAndConfirmsTheConsentTheirGuardianGave() {
        PersonIdentifier bob = person(DemoComingOfAge.GUARDIAN);
        PersonIdentifier dave = person(DemoComingOfAge.CHILD);
        assertThat(clock.instant()).isBefore(majority.comesOfAge());

        // Seeded at start, while dave is a minor: his consent, given by bob on the guardianship.
        String daveToken = http.citizenToken(DemoComingOfAge.CHILD, DemoComingOfAge.CHILD + "-demo-password");
        JsonNode consents = http.get("/api/v1/me/consents", daveToken).json();
        assertThat(consents).hasSize(1);
        JsonNode consent = consents.get(0);
        JsonNode given = claims(consent.get("record").asText());
        assertThat(given.get("actor").get("representation").get("kind").asText()).isEqualTo("guardian");
        assertThat(given.get("actor").get("representation").get("reference").asText())
                .isEqualTo(DemoComingOfAge.REFERENCE);
        assertThat(Instant.ofEpochSecond(given.get("iat").asLong())).isBefore(majority.comesOfAge());
        assertThat(representations.forActor(bob)).extracting(r -> r.reference()).contains(DemoComingOfAge.REFERENCE);

        // Dave, still a minor, finds the consent among his own and has nothing to decide.
        open("/app");
        chromium.signIn(DemoComingOfAge.CHILD, DemoComingOfAge.CHILD + "-demo-password");
        chromium.heading("Your health data");
        assertThat(browser.findElements(By.id("own-decision-notice"))).isEmpty();
        open("/app/consents");
        chromium.heading("Your consents");
        assertThat(browser.getPageSource()).contains(DemoConfig.DEMO_PROGRAMME_NAME);

        // The instant passes: bob's right to act ends, and dave's next page tells him he has come of age.
        clock.advanceTo(majority.comesOfAge());
        assertThat(representations.forActor(bob)).extracting(r -> r.reference())
                .doesNotContain(DemoComingOfAge.REFERENCE);
        open("/app");
        chromium.heading("Your health data");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("own-decision-notice")));
        browser.findElement(By.cssSelector("#own-decision-notice a")).click();
        chromium.heading("Consents your guardian gave for you");
        assertThat(browser.findElement(By.id("own-decision-" + consent.get("id").asText())).getText())
                .contains(DemoConfig.DEMO_PROGRAMME_NAME);
        browser.findElement(By.cssSelector("#own-decision-" + consent.get("id").asText() + " .own-decision-confirm"))
                .click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"),
                "Your consent is confirmed"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("own-decisions-none")));
        open("/app");
        chromium.heading("Your health data");
        assertThat(browser.findElements(By.id("own-decision-notice"))).isEmpty();

        // His own record: the status it had, confirmed, naming no actor; the guardian's records still name bob.
        JsonNode after = http.get("/api/v1/me/consents/" + consent.get("id").asText(), daveToken).json();
        JsonNode statusRecords = after.get("statusRecords");
        JsonNode own = claims(statusRecords.get(statusRecords.size() - 1).asText());
        assertThat(own.get("own_decision").asText()).isEqualTo("confirmed");
        assertThat(own.get("status").asText()).isEqualTo("active");
        assertThat(own.has("actor")).isFalse();
        assertThat(own.get("account_id").asText()).isEqualTo(given.get("account_id").asText());
        assertThat(Instant.ofEpochSecond(own.get("iat").asLong())).isAfterOrEqualTo(
                majority.comesOfAge().minusSeconds(1));

        // The auditors' verifier, online: the consent's chain with who acted, and the whole log.
        String auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
        String chain = verify("consent", "--operator", http.base(), "--consent", consent.get("id").asText(),
                "--token", auditor);
        assertThat(chain).contains("as guardian (" + DemoComingOfAge.REFERENCE + ")", "confirming their own decision");
        verify("log", "--operator", http.base(), "--token", auditor);
    }

    private static String verify(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = VerifyCommand.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String report = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as(report).isEqualTo(VerifyCommand.OK);
        return report;
    }

    private PersonIdentifier person(String username) {
        return PersonIdentifier.parse(identities.citizen(username).orElseThrow().personIdentifier());
    }

    private static JsonNode claims(String jws) {
        try {
            return OperatorHttp.JSON.readTree(new String(Base64.getUrlDecoder().decode(jws.split("\\.")[1]),
                    StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void open(String path) {
        browser.get(http.base() + path);
    }
}
