package io.switchboard.it.browser;

import io.switchboard.testkit.Await;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The module's admin page ({@code /switchboard/admin/}) open in a browser, read and driven through its
 * element ids: the login form ({@code token}, {@code login}, {@code login-error}), the node table
 * ({@code node-rows}, a row per node with {@code data-node}), {@code total-rate}, {@code busiest-rows},
 * {@code slow-consumers}, {@code status}.
 */
final class AdminPage {

    private final ChromeDriver driver;

    private AdminPage(ChromeDriver driver) {
        this.driver = driver;
    }

    static AdminPage open(Chromium browser, URI url) {
        browser.driver().get(url.toString());
        return new AdminPage(browser.driver());
    }

    /** Types {@code token} into the login form and submits it; returns once the next page has loaded. */
    void logIn(String token) {
        WebElement field = driver.findElement(By.id("token"));
        field.clear();
        field.sendKeys(token);
        WebElement button = driver.findElement(By.id("login"));
        button.click();
        Await.until("the page after the login form", Duration.ofSeconds(15), () -> isStale(button));
    }

    boolean showsLoginForm() {
        return !driver.findElements(By.id("login-form")).isEmpty();
    }

    /** The login form's error message; empty when it shows none. */
    String loginError() {
        List<WebElement> error = driver.findElements(By.id("login-error"));
        return error.isEmpty() || !error.get(0).isDisplayed() ? "" : error.get(0).getText();
    }

    /** The node ids of the table's rows, in order. */
    List<String> nodes() {
        return driver.findElements(By.cssSelector("#node-rows > tr")).stream()
                .map(row -> row.getDomAttribute("data-node")).collect(Collectors.toList());
    }

    void awaitNodes(List<String> expected, Duration timeout) {
        Await.until("the admin page listing " + expected, timeout, this::nodes, expected::equals);
    }

    /** The cluster's deliveries per second as the header shows it (0 before any figures). */
    double clusterRate() {
        String text = driver.findElement(By.id("total-rate")).getText().replace(",", "");
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The channels of the busiest-channels table, busiest first. */
    List<String> busiestChannels() {
        return driver.findElements(By.cssSelector("#busiest-rows > tr > td:first-child")).stream()
                .map(WebElement::getText).collect(Collectors.toList());
    }

    /** The entries of the slow-consumer list, newest first, as they read. */
    List<String> slowConsumerCloses() {
        return driver.findElements(By.cssSelector("#slow-consumers > li")).stream()
                .map(WebElement::getText).collect(Collectors.toList());
    }

    String status() {
        return driver.findElement(By.id("status")).getText();
    }

    /** What the page's scripts can read of the cookies (the session cookie is HttpOnly: not that). */
    String scriptVisibleCookies() {
        return String.valueOf(driver.executeScript("return document.cookie"));
    }

    String currentUrl() {
        return driver.getCurrentUrl();
    }

    /**
     * Saves a PNG of the whole page under the screenshot directory (system property
     * {@code switchboard.screenshotDir}): the window is made as tall as the page first.
     */
    Path screenshot(String fileName) {
        long height = ((Number) driver.executeScript("return document.documentElement.scrollHeight")).longValue();
        Dimension size = driver.manage().window().getSize();
        driver.manage().window().setSize(new Dimension(size.getWidth(), (int) Math.max(size.getHeight(), height + 140)));
        Path dir = Paths.get(System.getProperty("switchboard.screenshotDir", "target/screenshots"));
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(fileName + ".png").toAbsolutePath();
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save a screenshot of the admin page", e);
        }
    }

    private static boolean isStale(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (org.openqa.selenium.StaleElementReferenceException gone) {
            return true;
        }
    }
}
