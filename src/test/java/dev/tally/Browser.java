package dev.tally;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A headless Chromium for tests, from Debian's packages {@code chromium} and {@code chromium-driver},
 * driven through Selenium. Selenium is handed both binaries, so Selenium Manager never looks for a
 * browser or driver to download. When the packages are missing they are installed if the tests run
 * as root where apt-get is (a fresh Debian machine, CI); anywhere else the test fails naming them.
 */
public final class Browser implements AutoCloseable {

    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private static final Logger log = LoggerFactory.getLogger(Browser.class);
    private static final List<String> PACKAGES = List.of("chromium", "chromium-driver");
    private static final Path APT_GET = Path.of("/usr/bin/apt-get");

    /**
     * The tests speak WebDriver, not the DevTools protocol, so Selenium not having DevTools bindings
     * for this Chromium's version (selenium-devtools-vNNN) does not matter: no warning about it.
     */
    private static final java.util.logging.Logger CDP_VERSION_FINDER =
            java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_VERSION_FINDER.setLevel(Level.SEVERE);
    }

    private final Path profile;
    private final ChromeDriver driver;

    private Browser(Path profile, ChromeDriver driver) {
        this.profile = profile;
        this.driver = driver;
    }

    /** Starts a headless Chromium with a fresh profile, its window 1280x800. */
    public static Browser start() throws IOException {
        ensureInstalled();
        Path profile = Files.createTempDirectory("tally-chromium-");
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless",
                        // Root has no sandbox here; the page is the tests' own.
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        // No traffic of Chromium's own (updates, sync, field trials): tests need none.
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--window-size=1280,800",
                        "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        try {
            return new Browser(profile, new ChromeDriver(service, options));
        } catch (RuntimeException e) {
            delete(profile);
            throw e;
        }
    }

    /** The driver, for what this class does not wrap (screenshots, finding elements …). */
    public ChromeDriver driver() {
        return driver;
    }

    /** Loads the page and waits for its load event. */
    public void open(String url) {
        driver.get(url);
    }

    /** Runs the script (a function body: {@code return …} gives its result) in the page. */
    public Object script(String script, Object... arguments) {
        return driver.executeScript(script, arguments);
    }

    /** Quits the browser and its driver and deletes the profile. */
    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            delete(profile);
        }
    }

    /** Installs the packages when missing, if this may; otherwise fails saying what to install. */
    private static synchronized void ensureInstalled() {
        if (installed()) {
            return;
        }
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(APT_GET)) {
            throw new IllegalStateException(
                    "The browser tests need %s and %s: install Debian's packages %s (apt-get install %s)"
                            .formatted(
                                    CHROMIUM,
                                    CHROMEDRIVER,
                                    String.join(" and ", PACKAGES),
                                    String.join(" ", PACKAGES)));
        }
        log.warn(
                "{} or {} is missing: installing Debian's packages {} for the browser tests",
                CHROMIUM,
                CHROMEDRIVER,
                PACKAGES);
        apt("update", "-qq");
        apt(Stream.concat(Stream.of("install", "-y", "-qq"), PACKAGES.stream()).toArray(String[]::new));
        if (!installed()) {
            throw new IllegalStateException(
                    "apt-get installed %s, yet %s or %s is still missing".formatted(PACKAGES, CHROMIUM, CHROMEDRIVER));
        }
        log.info("Installed {}", PACKAGES);
    }

    private static boolean installed() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    private static void apt(String... arguments) {
        List<String> command = Stream.concat(
                        // Waits for another apt (CI's own) rather than failing on its lock.
                        Stream.of(APT_GET.toString(), "-o", "DPkg::Lock::Timeout=300"), Stream.of(arguments))
                .toList();
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(
                        "%s failed (exit %d): %s".formatted(String.join(" ", command), process.exitValue(), output));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void delete(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not delete the browser profile {}", directory, e);
        }
    }
}
