package org.klp.server;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * A real headless Chromium driven through the Debian {@code chromedriver} (packages
 * {@code chromium} and {@code chromium-driver}, which {@code bin/setup} installs): no driver
 * download, no Selenium Manager, a fresh profile, and nothing that reaches the network by itself.
 * The console of every page is collected so that tests can require it to stay free of errors.
 */
final class Browser implements AutoCloseable {

    /** Debian's paths; {@code -Dklp.chromium=PATH} and {@code -Dklp.chromedriver=PATH} point elsewhere. */
    static final Path CHROMIUM = Path.of(System.getProperty("klp.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("klp.chromedriver", "/usr/bin/chromedriver"));
    /** How long to wait for the page to show something; a bound, never a measurement. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    final ChromeDriver driver;
    private final Path profile;
    /** Where the page's downloads land (inside the profile, removed with it). */
    final Path downloads;

    private Browser(ChromeDriver driver, Path profile, Path downloads) {
        this.driver = driver;
        this.profile = profile;
        this.downloads = downloads;
    }

    /** Fails, naming the Debian packages, when Chromium or its driver is missing. */
    static void requireInstalled() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(CHROMIUM)) {
            missing.add("chromium (" + CHROMIUM + ")");
        }
        if (!Files.isExecutable(CHROMEDRIVER)) {
            missing.add("chromium-driver (" + CHROMEDRIVER + ")");
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("The dashboard tests run a real Chromium, and this machine lacks the Debian package(s) " + String.join(", ", missing)
                    + ": run bin/setup, or apt-get install chromium chromium-driver");
        }
    }

    static Browser start() throws IOException {
        requireInstalled();
        Path profile = Files.createTempDirectory("klp-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
                "--disable-extensions", "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1400,1000", "--lang=en-US");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        Path downloads = Files.createDirectories(profile.resolve("downloads"));
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogOutput(java.io.OutputStream.nullOutputStream())
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(PATIENCE).scriptTimeout(PATIENCE);
        driver.executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", downloads.toString()));
        return new Browser(driver, profile, downloads);
    }

    void open(String url) {
        driver.get(url);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits until the condition holds; on giving up, says what was awaited and what the page showed. */
    void until(String what, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.get())) {
                    return;
                }
                last = null;
            } catch (StaleElementReferenceException | org.openqa.selenium.NoSuchElementException e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
        String state;
        try {
            state = "view " + js("const v = document.getElementById('view'); return v ? v.dataset.view + '/' + v.dataset.state : 'none'")
                    + "; page text: " + find("body").getText();
        } catch (WebDriverException e) {
            state = "(page unreadable: " + e.getMessage() + ")";
        }
        throw new AssertionError("the page did not show " + what + " within " + PATIENCE.toSeconds() + " s; " + state, last);
    }

    /** Goes to a dashboard route (the same one again: re-renders it) and waits until its view has rendered anew. */
    void view(String base, String route, String viewName) {
        if (driver.getCurrentUrl().startsWith(base + "/dashboard/")) {
            js("const v = document.getElementById('view'); v.dataset.state = 'stale';"
                    + " if (location.hash === arguments[0]) { document.getElementById('refresh').click(); } else { location.hash = arguments[0]; }",
                    "#" + route);
        } else {
            open(base + "/dashboard/#" + route);
        }
        awaitView(viewName);
    }

    void awaitView(String viewName) {
        until("the " + viewName + " view", () -> js("const v = document.getElementById('view');"
                + " return v.dataset.view === arguments[0] && (v.dataset.state === 'ready' || v.dataset.state === 'error')", viewName).equals(true));
        String state = (String) js("return document.getElementById('view').dataset.state");
        if (!state.equals("ready")) {
            throw new AssertionError("the " + viewName + " view failed: " + find("#view").getText());
        }
    }

    /** Clicks {@code button} and waits for the file it downloads, complete; returns its bytes. */
    byte[] download(WebElement button, String fileName) throws IOException {
        Path file = downloads.resolve(fileName);
        Files.deleteIfExists(file);
        button.click();
        until("the download of " + fileName, () -> Files.isRegularFile(file) && !Files.exists(downloads.resolve(fileName + ".crdownload")));
        return Files.readAllBytes(file);
    }

    /** The console's entries since the last call (the driver hands each out once). */
    List<LogEntry> console() {
        return driver.manage().logs().get(LogType.BROWSER).getAll();
    }

    /** The console's errors since the last call. */
    List<String> consoleErrors() {
        return console().stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
    }

    void screenshot(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            deleteQuietly(profile.toFile());
        }
    }

    private static void deleteQuietly(File f) {
        File[] children = f.listFiles();
        if (children != null) {
            for (File c : children) {
                deleteQuietly(c);
            }
        }
        f.delete();
    }
}
