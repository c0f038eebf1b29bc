package org.mydata.operator.api.web;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium for the browser tests, in the language asked for, with a profile of its own that
 * closing deletes; a test that needs one is skipped where Debian's {@code chromium-driver} is not installed.
 */
final class Chromium implements AutoCloseable {
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    final WebDriver browser;
    final WebDriverWait wait;
    private final Path profile;

    private Chromium(WebDriver browser, Path profile) {
        this.browser = browser;
        this.profile = profile;
        this.wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        // A page replaced while a wait reads it: stale elements, and Chromium's own "node does not belong to the
        // document", which reaches Selenium as a plain WebDriverException. A wait tries again; a real failure
        // still ends it, at its timeout, with the last exception as the cause.
        wait.ignoring(StaleElementReferenceException.class).ignoring(WebDriverException.class);
    }

    /** A browser whose language is {@code language} (en-GB, fi, sv). */
    static Chromium start(String language) throws IOException {
        return start(language, language);
    }

    /** A browser whose own language is {@code language} and which asks pages for {@code acceptLanguages}. */
    static Chromium start(String language, String acceptLanguages) throws IOException {
        assumeTrue(Files.isExecutable(CHROMEDRIVER), "no " + CHROMEDRIVER + ": the browser tests need Debian's "
                + "chromium and chromium-driver packages (.ci/run installs them); skipping");
        Path profile = Files.createTempDirectory("chromium-profile");
        ChromeOptions options = new ChromeOptions();
        if (Files.isExecutable(CHROMIUM)) {
            options.setBinary(CHROMIUM.toFile());
        }
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--hide-scrollbars", "--lang=" + language, "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=1200,900");
        options.setExperimentalOption("prefs", Map.of("intl.accept_languages", acceptLanguages));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        return new Chromium(new ChromeDriver(service, options), profile);
    }

    void heading(String text) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), text));
    }

    void click(String id) {
        wait.until(ExpectedConditions.elementToBeClickable(By.id(id))).click();
    }

    void signIn(String username, String password) {
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys(username);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.cssSelector("button[type='submit']")).click();
    }

    @Override
    public void close() throws IOException {
        browser.quit();
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
