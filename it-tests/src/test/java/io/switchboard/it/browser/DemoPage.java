package io.switchboard.it.browser;

import io.switchboard.testkit.Await;
import org.openqa.selenium.By;
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
 * The sample's demo page open in a browser, read and driven through its element ids: {@code node},
 * {@code transport}, {@code status}, {@code feed}, {@code trigger-form} ({@code message}, {@code send}),
 * {@code trigger-result}, {@code chat-form} ({@code chat-message}, {@code chat-send}), {@code chat-feed}.
 */
final class DemoPage {

    private final String name;
    private final ChromeDriver driver;

    private DemoPage(String name, ChromeDriver driver) {
        this.name = name;
        this.driver = driver;
    }

    /** Opens {@code url} in {@code browser}. */
    static DemoPage open(String name, Chromium browser, URI url) {
        browser.driver().get(url.toString());
        return new DemoPage(name, browser.driver());
    }

    /** The node the page says holds its socket ({@code #node}). */
    String node() {
        return text("node");
    }

    /** What carries the page's connection, {@code websocket} or {@code sse} ({@code #transport}'s data attribute). */
    String transport() {
        return driver.findElement(By.id("transport")).getDomAttribute("data-transport");
    }

    /** Waits until the page is connected through {@code node} over {@code transport}. */
    void awaitConnectedTo(String node, String transport, Duration timeout) {
        Await.until(name + " connected via " + node + " over " + transport, timeout,
                () -> status() + " via " + node() + " over " + transport(),
                state -> state.equals("connected via " + node + " over " + transport));
    }

    /** Waits until the page is connected over {@code transport}; returns the node it is connected through. */
    String awaitConnectedOver(String transport, Duration timeout) {
        Await.until(name + " connected over " + transport, timeout, () -> status() + " over " + transport(),
                state -> state.equals("connected over " + transport));
        return node();
    }

    /** Types {@code message} into the chat form and sends it (the browser publishes it over its connection). */
    void sendChat(String message) {
        WebElement input = driver.findElement(By.id("chat-message"));
        input.clear();
        input.sendKeys(message);
        driver.findElement(By.id("chat-send")).click();
    }

    /** Waits until the chat feed holds {@code message}; returns that entry's text. */
    String awaitChatEntry(String message, Duration timeout) {
        return Await.until(name + " showing '" + message + "' in its chat", timeout,
                () -> driver.findElements(By.cssSelector("#chat-feed > li")).stream().map(WebElement::getText)
                        .filter(text -> text.contains(message)).collect(Collectors.toList()),
                entries -> !entries.isEmpty()).get(0);
    }

    /** {@code connected} or {@code disconnected} ({@code #status}). */
    String status() {
        return text("status");
    }

    /** The feed entries whose message is exactly {@code message}. */
    List<String> feedEntriesWithMessage(String message) {
        return driver.findElements(By.cssSelector("#feed > li")).stream()
                .filter(li -> li.findElements(By.cssSelector(".message")).stream().anyMatch(m -> message.equals(m.getText())))
                .map(WebElement::getText)
                .collect(Collectors.toList());
    }

    /** The messages of the feed's entries, oldest first (gap notices included as they read). */
    List<String> feedMessages() {
        return driver.findElements(By.cssSelector("#feed > li")).stream()
                .map(li -> li.findElements(By.cssSelector(".message, .gap")).stream().map(WebElement::getText)
                        .collect(Collectors.joining()))
                .collect(Collectors.toList());
    }

    /** What the page says about the last trigger ({@code #trigger-result}). */
    String triggerResult() {
        return text("trigger-result");
    }

    /** Waits until the page is connected through {@code node}. */
    void awaitConnectedTo(String node, Duration timeout) {
        Await.until(name + " connected via " + node, timeout, () -> status() + " via " + node(),
                state -> state.equals("connected via " + node));
    }

    /** Types {@code message} into the trigger form, submits it and waits until the page shows which node handled it. */
    String submitTrigger(String message, Duration timeout) {
        String before = triggerResult();
        WebElement input = driver.findElement(By.id("message"));
        input.clear();
        input.sendKeys(message);
        driver.findElement(By.id("send")).click();
        return Await.until(name + " showing the answer to its trigger", timeout, this::triggerResult,
                result -> !result.isEmpty() && !result.equals(before));
    }

    /** Waits until the feed holds an entry with {@code message}; returns that entry's text. */
    String awaitFeedEntry(String message, Duration timeout) {
        return Await.until(name + " showing '" + message + "' in its feed", timeout, () -> feedEntriesWithMessage(message),
                entries -> !entries.isEmpty()).get(0);
    }

    /** Saves a PNG of the page under the screenshot directory (system property {@code switchboard.screenshotDir}). */
    Path screenshot(String fileName) {
        Path dir = Paths.get(System.getProperty("switchboard.screenshotDir", "target/screenshots"));
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(fileName + ".png").toAbsolutePath();
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save a screenshot of " + name, e);
        }
    }

    private String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    @Override
    public String toString() {
        return name + " " + driver.getCurrentUrl();
    }
}
