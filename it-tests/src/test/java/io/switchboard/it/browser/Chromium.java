package io.switchboard.it.browser;

import io.switchboard.testkit.process.LogFile;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Headless Chromium driven through the system's chromedriver (Debian packages {@code chromium} and
 * {@code chromium-driver}); nothing is downloaded. Each browser gets a fresh profile directory.
 *
 * <p>In CI ({@code CI=true}) a missing browser is a failure; elsewhere the test is skipped with a message
 * saying what to install.
 */
final class Chromium implements AutoCloseable {

    private static final Path BINARY = Paths.get(System.getProperty("switchboard.chromium", "/usr/bin/chromium"));
    private static final Path DRIVER = Paths.get(System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver"));
    private static final List<String> FLAGS = List.of("--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--window-size=1280,1000");

    /** chromedriver processes started here and their browsers, killed if the test JVM exits before quit(). */
    private static final Set<ProcessHandle> STARTED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(driver -> {
            driver.descendants().forEach(ProcessHandle::destroyForcibly);
            driver.destroyForcibly();
        }), "chromium-reaper"));
    }

    private final ChromeDriver driver;
    private final Path profile;
    private final List<ProcessHandle> processes;

    private Chromium(ChromeDriver driver, Path profile, List<ProcessHandle> processes) {
        this.driver = driver;
        this.profile = profile;
        this.processes = processes;
    }

    /** Skips the test (fails it in CI) if chromium or chromedriver is not installed. */
    static void assumeInstalled() {
        if (Files.isExecutable(BINARY) && Files.isExecutable(DRIVER)) {
            return;
        }
        String missing = "the browser test needs " + BINARY + " and " + DRIVER
                + " (Debian: apt-get install chromium chromium-driver; .ci/run installs them)";
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(missing + "; in CI a missing browser is a failure");
        }
        Assumptions.abort(missing + "; skipping it on this machine");
    }

    /** Starts chromedriver and a headless Chromium with a fresh profile; chromedriver logs to {@code <name>.log}. */
    static Chromium start(String name) {
        assumeInstalled();
        Path profile;
        try {
            profile = Files.createDirectories(Paths.get("target/chromium-profiles").resolve(name + "-" + System.nanoTime()))
                    .toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(LogFile.named(name).path().toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY.toFile());
        options.addArguments(FLAGS);
        options.addArguments("--user-data-dir=" + profile);
        Set<ProcessHandle> before = driverProcesses().collect(Collectors.toSet());
        ChromeDriver driver = new ChromeDriver(service, options);
        List<ProcessHandle> started = driverProcesses().filter(p -> !before.contains(p)).collect(Collectors.toList());
        STARTED.addAll(started);
        return new Chromium(driver, profile, started);
    }

    ChromeDriver driver() {
        return driver;
    }

    /** Quits the browser and its driver and deletes the profile. */
    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            for (ProcessHandle process : processes) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                STARTED.remove(process);
            }
            deleteProfile();
        }
    }

    private void deleteProfile() {
        try (Stream<Path> paths = Files.walk(profile)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a leftover profile under target/ is harmless
        }
    }

    /** The chromedriver processes that are children of this JVM. */
    private static Stream<ProcessHandle> driverProcesses() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().command().map(command -> command.endsWith("chromedriver")).orElse(false));
    }
}
