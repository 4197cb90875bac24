package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.shipping.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (Debian's chromium, headless, through chromium-driver) against the shared local
 * stack, behind the nginx gateway, signed in at the stand-in OIDC provider. One browser for the class; each test
 * signs in as a user of its own and leaves a screenshot in {@code target/console-screenshots/}.
 */
class ConsoleIT {

    private static final Path SCREENSHOTS = Path.of("target/console-screenshots");
    private static LocalStack stack;
    private static ConsoleBrowser browser;
    private static WebDriver driver;

    @BeforeAll
    static void startBrowser() throws IOException {
        stack = SharedStack.get();
        assertThat(stack.gatewayUrl()).as("the gateway needs nginx: apt-get install -y nginx").isNotNull();
        Files.createDirectories(SCREENSHOTS);
        browser = ConsoleBrowser.start(stack.gatewayUrl());
        driver = browser.driver();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @AfterEach
    void screenshot(TestInfo test) throws IOException {
        Path shot = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(test.getTestMethod().orElseThrow().getName() + ".png"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aNewUserSignsInOnboardsAndDownloadsTheArtifactOfASucceededDeployment() throws IOException {
        String user = "console-new-" + UUID.randomUUID().toString().substring(0, 8);
        browser.signIn(user);
        wait(30).until(ExpectedConditions.urlContains("#/onboarding"));

        driver.findElement(By.id("runpod-key")).sendKeys("rpa_not_a_key_of_this_account");
        driver.findElement(By.cssSelector("#runpod-key ~ button")).click();
        WebElement refused = wait(30).until(d -> visible(d, "#runpod-key-result .alert"));
        assertThat(refused.getText()).as("RunPod's answer to a wrong key").isNotBlank();
        driver.findElement(By.id("runpod-key")).clear();
        driver.findElement(By.id("runpod-key")).sendKeys(stack.runPodApiKey());
        driver.findElement(By.cssSelector("#runpod-key ~ button")).click();
        wait(30).until(d -> visible(d, "#runpod-key-result .ok"));

        driver.findElement(By.id("use-sample")).click();
        WebElement report = wait(60).until(d -> visible(d, "#validation-report"));
        assertThat(report.getText()).contains("SFT_MESSAGES").contains("No errors");
        driver.findElement(By.id("continue")).click();

        WebElement form = wait(30).until(d -> visible(d, "#new-deployment"));
        assertThat(form.findElements(By.cssSelector("input[name='gpu.types']:checked"))).isNotEmpty();
        browser.setValue("simulation.steps", "20");
        browser.setValue("simulation.stepSeconds", "0.1");
        wait(30).until(d -> d.findElement(By.id("estimate")).getText().contains("$"));
        driver.findElement(By.id("start")).click();

        wait(30).until(ExpectedConditions.urlMatches("#/deployments/[0-9a-f-]{36}$"));
        String id = browser.deploymentIdInUrl();
        wait(180).until(d -> d.findElement(By.id("summary")).getText().contains("SUCCEEDED")
                && !d.findElements(By.cssSelector("#artifacts [data-artifact]")).isEmpty());
        WebElement artifact = driver.findElement(By.cssSelector("#artifacts [data-artifact]"));
        String name = artifact.getAttribute("data-artifact");
        artifact.click();
        Path downloaded = browser.awaitDownload(name, Duration.ofSeconds(30));

        JsonNode listed = api(user).artifacts(id).body().get(0);
        assertThat(Files.size(downloaded)).isEqualTo(listed.path("bytes").asLong());
        assertThat(driver.findElement(By.id("cost-breakdown")).getText()).contains("$");
        // the chart is fed by the SSE stream, which may still be replaying the finished job's points (a stream that
        // opened before metrics-service knew the job retries with backoff, and a quiet stream looks every 5 s)
        int shown = wait(30).until(d -> positive(points(d)));
        assertThat(shown).isGreaterThan(0);
    }

    @Test
    void aFailingDeploymentShowsItsReasonAndLogTailAndOneClickRetriesIt() {
        String user = readyUser("console-fail");
        String id = createDeployment(user, "\"failAtStep\": 3, \"exitCode\": 3, \"steps\": 30, \"stepSeconds\": 0.1");
        browser.signIn(user);
        browser.open("#/deployments/" + id);

        WebElement failure = wait(120).until(d -> visible(d, "#failure-reason"));
        assertThat(failure.getText()).contains("FAILED_TRAINING");
        assertThat(wait(60).until(d -> visible(d, "#failure-log")).getText()).isNotBlank();
        driver.findElement(By.id("retry")).click();

        // The page's address names the new deployment (a UUID, not a moment of the address in between).
        wait(30).until(d -> browser.deploymentIdInUrl().matches("[0-9a-f-]{36}")
                && !browser.deploymentIdInUrl().equals(id));
        String retried = browser.deploymentIdInUrl();
        assertThat(api(user).deployment(retried).body().path("retryOf").asText()).isEqualTo(id);
        wait(30).until(d -> d.findElement(By.id("summary")).getText().contains("retry of"));
    }

    @Test
    void theLossChartGainsPointsWhileThePodTrains() {
        String user = readyUser("console-chart");
        String id = createDeployment(user, "\"steps\": 200, \"stepSeconds\": 0.2", "{\"saveSteps\": 5}");
        browser.signIn(user);
        browser.open("#/deployments/" + id);

        int first = wait(120).until(d -> positive(points(d)));
        // the newest checkpoint stored off the pod, with its age
        wait(60).until(d -> d.findElement(By.id("checkpoint-text")).getText().contains("Last checkpoint"));
        assertThat(driver.findElement(By.id("checkpoint-text")).getText()).containsPattern("Last checkpoint: step \\d+, stored .* ago");
        int later = wait(60).until(d -> points(d) >= first + 5 ? points(d) : null);
        assertThat(later).isGreaterThan(first);
        assertThat(driver.findElement(By.id("summary")).getText()).contains("RUNNING");
        assertThat(driver.findElement(By.id("progress-text")).getText()).containsPattern("Step \\d+ of 200");
        api(user).cancel(id);
    }

    @Test
    void aPreflightErrorAppearsAtItsField() {
        String user = readyUser("console-preflight");
        browser.signIn(user);
        browser.open("#/deployments/new");
        wait(30).until(d -> visible(d, "#new-deployment"));
        browser.setValue("limits.maxCostUsd", "0");
        driver.findElement(By.id("start")).click();

        WebElement budget = driver.findElement(By.name("limits.maxCostUsd"));
        wait(30).until(d -> "true".equals(budget.getAttribute("aria-invalid")));
        WebElement error = driver.findElement(By.id(budget.getAttribute("aria-describedby").split(" ")[0]));
        assertThat(error.getAttribute("data-code")).isEqualTo("MAX_COST_INVALID");
        assertThat(error.getText()).contains("must be above 0").contains("terminated when its cost reaches");
        assertThat((Boolean) ((JavascriptExecutor) driver).executeScript(
                "return arguments[0].previousElementSibling === arguments[1]", error, budget)).isTrue();
        assertThat(api(user).deployments().body()).as("nothing started").isEmpty();
    }

    @Test
    void cancelEndsARunningJob() {
        String user = readyUser("console-cancel");
        String id = createDeployment(user, "\"steps\": 600, \"stepSeconds\": 0.2");
        browser.signIn(user);
        browser.open("#/deployments/" + id);

        wait(120).until(d -> d.findElement(By.id("summary")).getText().contains("RUNNING"));
        driver.findElement(By.id("cancel")).click();
        wait(5).until(ExpectedConditions.alertIsPresent()).accept();

        wait(30).until(d -> d.findElement(By.id("summary")).getText().contains("CANCELLED"));
        wait(60).until(d -> !api(user).deployment(id).body().path("podTerminatedAt").isNull());
        assertThat(api(user).deployment(id).body().path("reason").asText()).isEqualTo("CANCELLED_BY_USER");
    }

    /**
     * Page weight and first render of a cold first load (browser cache cleared), read from Navigation Timing and
     * Paint Timing: the sign-in page, then the deployments page of a signed-in user. Written to
     * {@code target/console-first-load.json} for BENCHMARKS.md; only the weight has a bound (no CDN, no framework).
     */
    @Test
    void theFirstLoadIsSmall() throws IOException {
        String user = readyUser("console-weight");
        browser.open("");
        ((JavascriptExecutor) driver).executeScript("sessionStorage.clear()");
        Map<String, Object> signIn = coldLoad("");
        assertThat(driver.findElement(By.cssSelector("main h1")).getText()).isEqualTo("Sign in to Trainpod");
        browser.signIn(user);
        Map<String, Object> deployments = coldLoad("#/deployments");
        wait(30).until(d -> visible(d, "#deployments"));
        deployments = timing();
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(Map.of("signInPage", signIn, "deploymentsPage", deployments));
        Files.writeString(Path.of("target/console-first-load.json"), json);
        System.out.println("[console] first load: " + json);
        assertThat(((Number) signIn.get("staticBytesTransferred")).longValue()).isLessThan(100_000);
        assertThat(((Number) deployments.get("staticBytesTransferred")).longValue()).isLessThan(100_000);
    }

    private static Map<String, Object> coldLoad(String route) {
        browser.open(route);
        ((org.openqa.selenium.chrome.ChromeDriver) driver).executeCdpCommand("Network.clearBrowserCache", Map.of());
        driver.navigate().refresh();
        wait(30).until(d -> !d.findElements(By.cssSelector("main h1")).isEmpty());
        return timing();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> timing() {
        wait(10).until(d -> (Boolean) ((JavascriptExecutor) d).executeScript(
                "return performance.getEntriesByName('first-contentful-paint').length > 0"));
        return (Map<String, Object>) ((JavascriptExecutor) driver).executeScript("""
                const nav = performance.getEntriesByType('navigation')[0];
                const res = performance.getEntriesByType('resource');
                const mine = res.filter(r => new URL(r.name).origin === location.origin && !r.name.includes('/api/'));
                const sum = (list, k) => list.reduce((s, r) => s + r[k], 0);
                return {staticRequests: 1 + mine.length,
                  staticBytesTransferred: nav.transferSize + sum(mine, 'transferSize'),
                  staticBytesDecoded: nav.decodedBodySize + sum(mine, 'decodedBodySize'),
                  otherRequests: res.length - mine.length,
                  firstContentfulPaintMs: Math.round(performance.getEntriesByName('first-contentful-paint')[0].startTime),
                  domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
                  loadEventMs: Math.round(nav.loadEventEnd)};
                """);
    }

    /** A user with the simulator's key and the sample dataset, set up through the API. */
    private static String readyUser(String prefix) {
        String user = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        TrainpodClient client = api(user);
        assertThat(client.storeRunPodKey(stack.runPodApiKey()).status()).isEqualTo(204);
        assertThat(client.uploadDataset(Repo.path("examples/sft-messages.jsonl")).status()).isEqualTo(201);
        return user;
    }

    private static String createDeployment(String user, String simulation) {
        return createDeployment(user, simulation, "{}");
    }

    private static String createDeployment(String user, String simulation, String hyperparameters) {
        TrainpodClient client = api(user);
        String datasetId = client.datasets().body().get(0).path("id").asText();
        TrainpodClient.Answer created = client.createDeployment("""
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["NVIDIA RTX A4000"]}, "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "hyperparameters": %s, "simulation": {%s}}
                """.formatted(datasetId, hyperparameters, simulation));
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(202);
        return created.body().path("id").asText();
    }

    private static TrainpodClient api(String user) {
        return new TrainpodClient(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl(),
                stack.keys().userToken(user));
    }

    private static Integer points(WebDriver d) {
        String p = d.findElement(By.id("chart-loss")).getAttribute("data-points");
        return p == null ? 0 : Integer.parseInt(p);
    }

    private static Integer positive(Integer n) {
        return n != null && n > 0 ? n : null;
    }

    private static WebElement visible(WebDriver d, String css) {
        List<WebElement> found = d.findElements(By.cssSelector(css));
        return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
    }

    private static WebDriverWait wait(int seconds) {
        WebDriverWait w = new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(200));
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return w;
    }
}
