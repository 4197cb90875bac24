package dev.trainpod.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium, headless, driven through chromium-driver (never downloaded: Selenium Manager is not used),
 * pointed at the console behind the gateway; downloads land in a folder of its own.
 */
final class ConsoleBrowser implements AutoCloseable {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private final WebDriver driver;
    private final String consoleUrl;
    private final Path downloads;

    private ConsoleBrowser(WebDriver driver, String consoleUrl, Path downloads) {
        this.driver = driver;
        this.consoleUrl = consoleUrl;
        this.downloads = downloads;
    }

    /** Starts chromium at phone-to-laptop width; fails with the packages to install when it is missing. */
    static ConsoleBrowser start(String consoleUrl) throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            throw new AssertionError("the console tests need Debian's chromium and chromium-driver:"
                    + " apt-get install -y chromium chromium-driver");
        }
        Path downloads = Files.createTempDirectory("trainpod-console-downloads");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1024,1400", "--disable-extensions", "--no-first-run")
                .setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                        "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        return new ConsoleBrowser(new ChromeDriver(service, options), consoleUrl, downloads);
    }

    WebDriver driver() {
        return driver;
    }

    /** Signs in at the stand-in provider as {@code user}, starting from a signed-out console. */
    void signIn(String user) {
        driver.get(consoleUrl + "/");
        ((JavascriptExecutor) driver).executeScript("sessionStorage.clear(); location.hash = '#/signin';");
        driver.navigate().refresh();
        wait(30).until(ExpectedConditions.elementToBeClickable(By.id("sign-in"))).click();
        WebElement name = wait(30).until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
        name.clear();
        name.sendKeys(user);
        driver.findElement(By.id("sign-in")).click();
        wait(30).until(d -> d.findElement(By.id("nav")).isDisplayed());
        // and landed: the console sends a signed-in user to the deployments (or onboarding) once it has looked the
        // RunPod key up, so a page opened before that could be replaced by the landing
        wait(30).until(d -> d.getCurrentUrl().matches(".*#/(deployments|onboarding)$"));
    }

    /** Opens a route of the console (e.g. {@code #/deployments/<id>}). */
    void open(String route) {
        driver.get(consoleUrl + "/" + route);
    }

    /** Replaces the value of the form control named {@code name}, as typing would, and fires its events. */
    void setValue(String name, String value) {
        WebElement input = driver.findElement(By.name(name));
        input.clear();
        input.sendKeys(value);
    }

    String deploymentIdInUrl() {
        String url = driver.getCurrentUrl();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /** The downloaded file, once chromium has finished writing it. */
    Path awaitDownload(String name, Duration timeout) {
        Path file = downloads.resolve(name);
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (Files.exists(file) && !Files.exists(downloads.resolve(name + ".crdownload"))) {
                return file;
            }
            ServiceProcess.sleep(200);
        }
        try (var listed = Files.list(downloads)) {
            throw new AssertionError(name + " was not downloaded; the folder holds " + listed.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private WebDriverWait wait(int seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(200));
    }

    @Override
    public void close() {
        driver.quit();
    }
}
