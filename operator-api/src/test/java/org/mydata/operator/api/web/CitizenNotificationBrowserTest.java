package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
 * A citizen withdraws in the browser; the research project holding a permit is told at its webhook (a real
 * HTTP receiver), confirms the erasure through the API, and the citizen's consent page shows who was told,
 * that the confirmation was awaited, and then that it came.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CitizenNotificationBrowserTest {

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-notify-browser").toString();
        registry.add("operator.data-dir", () -> dataDir);
        registry.add("operator.notifications.allowed-hosts", () -> "127.0.0.1");
        registry.add("operator.notifications.allow-plain-http", () -> "true");
        registry.add("operator.notifications.poll-interval", () -> "200ms");
    }

    private OperatorHttp http;
    private WebDriver browser;
    private WebDriverWait wait;
    private Chromium chromium;
    private HttpServer receiver;
    private final BlockingQueue<String> eventIds = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws IOException {
        http = new OperatorHttp(port);
        chromium = Chromium.start("en-GB", "en-GB,en");
        browser = chromium.browser;
        wait = chromium.wait;
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/events", exchange -> {
            exchange.getRequestBody().readAllBytes();
            eventIds.add(exchange.getRequestHeaders().getFirst("webhook-id"));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void theCitizenSeesWhoWasToldAndWhenTheyConfirmedTheErasure() throws Exception {
        // The set-up through the API: carol's consent, a research permit, its holder's webhook.
        String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
        String researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
        String steward = http.clientToken("steward-demo", "steward-demo-secret", "steward");
        String source = null;
        for (JsonNode s : http.get("/api/v1/sources", admin).json()) {
            if (s.get("name").asText().equals(DemoConfig.DEMO_SOURCE_NAME)) {
                source = s.get("id").asText();
            }
        }
        OperatorHttp.Reply programme = http.post("/api/v1/programmes", admin, Map.of("name", "Kidney cohort",
                "description", "d", "organisation", "Test Foundation", "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Observation")), "termsUri", "https://example.org/t",
                "termsVersion", "1", "stewards", List.of("steward-demo")));
        assertThat(programme.status()).as(programme.body()).isEqualTo(201);
        String carol = http.citizenToken("carol", "carol-demo-password");
        assertThat(http.post("/api/v1/me/links", carol, Map.of("sourceId", source)).status()).isEqualTo(201);
        OperatorHttp.Reply consent = http.post("/api/v1/me/consents", carol,
                Map.of("programmeId", programme.json().get("id").asText()));
        assertThat(consent.status()).as(consent.body()).isEqualTo(201);
        String consentId = consent.json().get("id").asText();
        OperatorHttp.Reply request = http.post("/api/v1/requests", researcher, Map.of("programmeId",
                programme.json().get("id").asText(), "title", "Kidney function", "organisation", "Test University",
                "purpose", "dpv:AcademicResearch", "scope", Map.of("resourceTypes", List.of("Observation")),
                "justification", "Testing", "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        assertThat(request.status()).as(request.body()).isEqualTo(201);
        String permit = http.post("/api/v1/requests/" + request.json().get("id").asText() + "/decision", steward,
                Map.of("decision", "approve")).json().get("permitId").asText();
        assertThat(http.post("/api/v1/permits/" + permit + "/webhooks", researcher, Map.of("url",
                "http://127.0.0.1:" + receiver.getAddress().getPort() + "/events")).status()).isEqualTo(201);

        // Before anything changed, nobody had to be told.
        browser.get(http.base() + "/app/consents/" + consentId);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys("carol");
        browser.findElement(By.id("password")).sendKeys("carol-demo-password");
        browser.findElement(By.cssSelector("button[type='submit']")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("notifications-none")));

        // Carol withdraws in the browser.
        browser.findElement(By.id("withdraw")).click();
        browser.findElement(By.id("withdraw-confirm")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "withdrawn"));
        String eventId = eventIds.poll(60, TimeUnit.SECONDS);
        assertThat(eventId).as("the holder's webhook was told").isNotNull();

        // The receiver has the event before the operator has recorded its answer: look again until it has.
        WebElement notice = null;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        do {
            browser.navigate().refresh();
            notice = wait.until(ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector("li.notice[data-event='" + eventId + "']")));
        } while (!"delivered".equals(notice.getAttribute("data-delivery")) && System.nanoTime() < until);
        assertThat(notice.getAttribute("data-delivery")).isEqualTo("delivered");
        assertThat(notice.getAttribute("data-erasure")).isEqualTo("awaiting");
        assertThat(notice.getText()).contains("Test University (researcher-demo)", "told of your withdrawal on",
                "Has not confirmed the erasure yet: less than an hour since we asked.");

        // The holder confirms; the page says so.
        OperatorHttp.Reply ack = http.post("/api/v1/permits/" + permit + "/erasures/" + eventId, researcher,
                Map.of("done_at", Instant.now().toString(), "note", "Deleted from our cohort copy"));
        assertThat(ack.status()).as(ack.body()).isEqualTo(201);
        browser.navigate().refresh();
        notice = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("li.notice[data-event='" + eventId + "']")));
        assertThat(notice.getAttribute("data-erasure")).isEqualTo("confirmed");
        assertThat(notice.getText()).contains("Confirmed that your data was erased on",
                "Their note: Deleted from our cohort copy").doesNotContain("Has not confirmed");
    }
}
