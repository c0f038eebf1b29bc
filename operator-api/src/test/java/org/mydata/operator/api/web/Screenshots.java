package org.mydata.operator.api.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;

/**
 * The README's screenshots, taken by the browser tests on their way: only with {@code SCREENSHOTS=1} in the
 * environment (or {@code -Dscreenshots=true}), so that ordinary runs leave the tree alone.
 */
final class Screenshots {
    private Screenshots() {
    }

    /** A full-page PNG of what the browser shows into docs/screenshots/{name}.png; {@code size} null keeps the width. */
    static void take(WebDriver browser, String name, Dimension size) {
        if (!"1".equals(System.getenv("SCREENSHOTS")) && !Boolean.getBoolean("screenshots")) {
            return;
        }
        Dimension before = browser.manage().window().getSize();
        int width = size == null ? before.width : size.width;
        browser.manage().window().setSize(new Dimension(width, size == null ? before.height : size.height));
        // The window is the page plus the browser's own frame; make the page part as tall as the content.
        long height = ((Number) ((JavascriptExecutor) browser).executeScript("return Math.ceil("
                + "document.documentElement.scrollHeight + window.outerHeight - window.innerHeight)")).longValue();
        browser.manage().window().setSize(new Dimension(width, (int) Math.max(height, 300)));
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        browser.manage().window().setSize(before);
        Path dir = repositoryRoot().resolve("docs").resolve("screenshots");
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(name + ".png"), png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("docs")) ? here : here.getParent();
    }
}
