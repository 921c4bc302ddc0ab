package io.switchboard.it.browser;

import io.switchboard.testkit.Await;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The sample's demo page open in a browser, read and driven through its element ids: {@code node},
 * {@code transport}, {@code status}, {@code feed}, {@code trigger-form} ({@code message}, {@code send}), {@code trigger-result};
 * the demo login ({@code user}, {@code login-form}, {@code logout}), who is online ({@code online},
 * {@code online-change}), the chat ({@code chat-form}, {@code chat-feed}), the admin card ({@code admin-user},
 * {@code admin-list}, {@code admin-kick}, {@code admin-result}, {@code admin-sessions}) and the notice of a
 * server-side disconnect ({@code disconnected-notice}).
 *
 * <p>Lists are read in one script call each (textContent, whole list at once), so that a list the page is
 * rebuilding never yields a stale element half-way through.
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

    // ---- the demo login ------------------------------------------------------------------------

    /** The user the page's socket carries ({@code #user}), {@code anonymous} without a login. */
    String user() {
        return text("user");
    }

    /** The session id of the page's current socket (its last {@code welcome}), null before the first one. */
    String sessionId() {
        return (String) script("return window.sb && sb.welcome ? sb.welcome.session : null;");
    }

    /**
     * Logs in as {@code user} with the demo password through the login form, and waits until the page, which
     * reloads after a login, is connected through {@code node} as that user.
     */
    void logIn(String user, String node, Duration timeout) {
        WebElement field = driver.findElement(By.id("login-user"));
        field.clear();
        field.sendKeys(user);
        WebElement password = driver.findElement(By.id("login-password"));
        password.clear();
        password.sendKeys("demo");
        driver.findElement(By.id("login")).click();
        awaitState(user, node, timeout);
    }

    /** Logs out through the logout button and waits until the page is connected through {@code node} anonymously. */
    void logOut(String node, Duration timeout) {
        driver.findElement(By.id("logout")).click();
        awaitState("anonymous", node, timeout);
    }

    private void awaitState(String user, String node, Duration timeout) {
        String expected = "connected via " + node + " as " + user;
        // During the reload after a login the elements go stale: a probe that throws counts as "not yet".
        Await.until(name + " " + expected, timeout,
                () -> status() + " via " + node() + " as " + user() + " (login form says: " + text("login-result") + ")",
                state -> state.startsWith(expected + " ("));
    }

    // ---- who is online -------------------------------------------------------------------------

    /**
     * The online list ({@code #online li[data-user]}, in the page's order), the users in it marked as the page's own
     * ({@code li.me}) and its last change ({@code #online-change}).
     */
    record OnlineView(List<String> users, List<String> self, String change) {
    }

    /** The online list as the page shows it now, read in one go. */
    @SuppressWarnings("unchecked")
    OnlineView online() {
        Map<String, Object> view = (Map<String, Object>) script("""
                const users = (selector) => Array.from(document.querySelectorAll(selector)).map((li) => li.dataset.user);
                return {users: users('#online li[data-user]'), self: users('#online li.me[data-user]'),
                        change: document.getElementById('online-change').textContent};
                """);
        return new OnlineView((List<String>) view.get("users"), (List<String>) view.get("self"), (String) view.get("change"));
    }

    /** Waits until the online list holds {@code user} and its last change says that they came online. */
    OnlineView awaitOnline(String user, Duration timeout) {
        String change = user + " came online";
        return Await.until(name + " listing " + user + " online after '" + change + "'", timeout, this::online,
                view -> view.users().contains(user) && view.change().equals(change));
    }

    /** Waits until the online list no longer holds {@code user} and its last change says that they went offline. */
    OnlineView awaitOffline(String user, Duration timeout) {
        String change = user + " went offline";
        return Await.until(name + " dropping " + user + " from its online list after '" + change + "'", timeout,
                this::online, view -> !view.users().contains(user) && view.change().equals(change));
    }

    // ---- chat ----------------------------------------------------------------------------------

    /** One entry of the chat list: its classes ({@code own pending}, {@code own acked}, none for others'). */
    record ChatEntry(String classes, String message, String meta) {
        /** The last part of the entry's details: the offset once acknowledged or received. */
        String offset() {
            String[] parts = meta.split(" · ");
            return parts[parts.length - 1];
        }
    }

    /**
     * From now on records every class the chat list's entries take, in order, as {@code message|classes}; a
     * state that lasts only milliseconds (an own message "sending" until the reply) is seen all the same.
     */
    void recordChatEntryClasses() {
        script("""
                if (window.chatClassesSeen) return;
                window.chatClassesSeen = [];
                const record = (li) => {
                  if (li.nodeName !== 'LI') return;
                  const message = li.querySelector('.message');
                  window.chatClassesSeen.push((message ? message.textContent : '') + '|' + li.className);
                };
                new MutationObserver((mutations) => mutations.forEach((m) =>
                    m.type === 'childList' ? m.addedNodes.forEach(record) : record(m.target)))
                  .observe(document.getElementById('chat-feed'),
                    {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
                """);
    }

    /** The classes recorded (see {@link #recordChatEntryClasses}) for the entries with {@code message}, in order. */
    @SuppressWarnings("unchecked")
    List<String> chatEntryClassesSeen(String message) {
        List<String> seen = (List<String>) script("return window.chatClassesSeen || [];");
        String prefix = message + "|";
        return seen.stream().filter(entry -> entry.startsWith(prefix)).map(entry -> entry.substring(prefix.length()))
                .collect(Collectors.toList());
    }

    /** Types {@code message} into the chat form and submits it (the page sends it with {@code sb.send}). */
    void sendChat(String message) {
        WebElement input = driver.findElement(By.id("chat-message"));
        input.clear();
        input.sendKeys(message);
        driver.findElement(By.id("chat-send")).click();
    }

    /** The chat entries whose message is exactly {@code message}. */
    @SuppressWarnings("unchecked")
    List<ChatEntry> chatEntries(String message) {
        List<Map<String, Object>> entries = (List<Map<String, Object>>) script("""
                return Array.from(document.querySelectorAll('#chat-feed > li'))
                  .filter((li) => { const m = li.querySelector('.message'); return m && m.textContent === arguments[0]; })
                  .map((li) => ({classes: li.className, message: arguments[0],
                                 meta: (li.querySelector('.meta') || {}).textContent || ''}));
                """, message);
        return entries.stream().map(entry -> new ChatEntry((String) entry.get("classes"), (String) entry.get("message"),
                (String) entry.get("meta"))).collect(Collectors.toList());
    }

    /** Waits until the chat list holds an entry with {@code message} whose classes are {@code classes}; returns it. */
    ChatEntry awaitChatEntry(String message, String classes, Duration timeout) {
        return Await.until(name + " showing chat message '" + message + "' as '" + classes + "'", timeout,
                () -> chatEntries(message),
                entries -> entries.stream().anyMatch(entry -> entry.classes().equals(classes)))
                .stream().filter(entry -> entry.classes().equals(classes)).findFirst().orElseThrow();
    }

    // ---- admin ---------------------------------------------------------------------------------

    /** What the admin card said ({@code #admin-result}) and the sessions it lists ({@code #admin-sessions}). */
    record AdminView(String result, List<String> sessions) {
    }

    /**
     * The admin card as it stands: its last answer and the text of each listed session, read in one go (the page
     * fills the list before it writes the answer; two reads could see the answer and the list from before it).
     */
    @SuppressWarnings("unchecked")
    AdminView admin() {
        Map<String, Object> view = (Map<String, Object>) script("""
                return {result: document.getElementById('admin-result').textContent,
                        sessions: Array.from(document.querySelectorAll('#admin-sessions > li')).map((li) => li.textContent)};
                """);
        return new AdminView((String) view.get("result"), (List<String>) view.get("sessions"));
    }

    /** Lists {@code user}'s sessions with the admin card's "Sessions" button; waits for the answer. */
    AdminView listSessionsOf(String user, Duration timeout) {
        adminAction(user, "admin-list");
        return Await.until(name + " listing the sessions of " + user, timeout, this::admin,
                view -> view.result().contains(user + " has ") || view.result().startsWith("Listing failed"));
    }

    /** Kicks {@code user} with the admin card's "Kick" button; waits for the answer. */
    AdminView kick(String user, Duration timeout) {
        adminAction(user, "admin-kick");
        return Await.until(name + " kicking " + user, timeout, this::admin,
                view -> view.result().startsWith("Kicked " + user) || view.result().startsWith("Kick failed"));
    }

    private void adminAction(String user, String button) {
        // The answer replaces the card's text; emptied first so that an answer equal to the last one is seen too.
        script("document.getElementById('admin-result').textContent = '';");
        WebElement field = driver.findElement(By.id("admin-user"));
        field.clear();
        field.sendKeys(user);
        driver.findElement(By.id(button)).click();
    }

    // ---- server-side disconnect ----------------------------------------------------------------

    /** The notice the page shows once the server disconnected it ({@code #disconnected-notice}), "" while hidden. */
    String disconnectedNotice() {
        WebElement notice = driver.findElement(By.id("disconnected-notice"));
        return notice.isDisplayed() ? notice.getText() : "";
    }

    // ---- screenshots ---------------------------------------------------------------------------

    /**
     * Saves a PNG of the whole page, also what lies below the window, under the screenshot directory (system
     * property {@code switchboard.screenshotDir}).
     */
    Path screenshot(String fileName) {
        Path dir = Paths.get(System.getProperty("switchboard.screenshotDir", "target/screenshots"));
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(fileName + ".png").toAbsolutePath();
            Files.write(target, fullPagePng());
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save a screenshot of " + name, e);
        }
    }

    /** Chromium's own capture of the page's full size (DevTools protocol through chromedriver). */
    @SuppressWarnings("unchecked")
    private byte[] fullPagePng() {
        Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
        Map<String, Object> clip = Map.of("x", 0, "y", 0, "scale", 1,
                "width", ((Number) size.get("width")).doubleValue(), "height", ((Number) size.get("height")).doubleValue());
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
                Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
        return Base64.getDecoder().decode((String) shot.get("data"));
    }

    private Object script(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    private String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    @Override
    public String toString() {
        return name + " " + driver.getCurrentUrl();
    }
}
