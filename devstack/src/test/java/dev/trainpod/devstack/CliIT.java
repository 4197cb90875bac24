package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trainpod CLI against the real local stack: every command, with {@code --output json} read back with Jackson
 * and the exit codes a script relies on; a resumable upload killed mid-way and finished by running the same
 * command again; the device sign-in with the stack's stand-in provider; every command's paths through the gateway.
 */
class CliIT {

    private static final String USER = "cli-user";
    private static final String GPU = "NVIDIA RTX A4000";

    private static LocalStack stack;
    private static Path root;
    private static Path work;
    private static String token;
    private static CliRunner cli;
    private static String datasetId;

    @BeforeAll
    static void signIn() throws IOException {
        root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = SharedStack.get();
        work = Files.createTempDirectory(Files.createDirectories(root.resolve("devstack/target")), "cli-it-");
        token = stack.keys().userToken(USER, Duration.ofHours(2));
        cli = new CliRunner(root, Map.of(
                "TRAINPOD_CONFIG_DIR", work.resolve("config").toString(),
                "HOME", work.toString(),
                "TRAINPOD_DEPLOY_URL", stack.deployUrl(),
                "TRAINPOD_DATASET_URL", stack.datasetUrl(),
                "TRAINPOD_METRICS_URL", stack.metricsUrl()));
        Path tokenFile = Files.writeString(work.resolve("token"), token + "\n");

        CliRunner.Run login = cli.run("login", "--token-file", tokenFile.toString(), "-o", "json");
        assertThat(login.code()).as(login.toString()).isZero();
        assertThat(login.json().path("user").asText()).isEqualTo(USER);
        CliRunner.Run key = cli.answering(stack.runPodApiKey() + "\n", "secrets", "set", "runpod");
        assertThat(key.code()).as(key.toString()).isZero();
        assertThat(key.out()).contains(stack.runPodApiKey().substring(stack.runPodApiKey().length() - 4));

        CliRunner.Run upload = cli.run("datasets", "upload", root.resolve("examples/sft-messages.jsonl").toString(),
                "-o", "json");
        assertThat(upload.code()).as(upload.toString()).isZero();
        datasetId = upload.json().path("id").asText();
    }

    @Test
    void datasetCommandsShowTheValidationReportAndScriptsReadTheirJson() throws IOException {
        Path sample = root.resolve("examples/sft-messages.jsonl");
        JsonNode shown = cli.run("datasets", "show", datasetId, "-o", "json").json();
        assertThat(shown.path("sha256").asText()).isEqualTo(sha256(sample));
        assertThat(shown.path("format").asText()).isEqualTo("SFT_MESSAGES");
        assertThat(shown.path("fitsMethods").toString()).contains("SFT");
        CliRunner.Run text = cli.run("datasets", "show", datasetId);
        assertThat(text.out()).contains("SFT_MESSAGES (fits SFT)", "valid    no errors");
        assertThat(cli.run("datasets", "list", "-o", "json").json().findValuesAsText("id")).contains(datasetId);

        Path broken = Files.writeString(work.resolve("broken.jsonl"),
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}\n"
                        + "not json at all\n");
        CliRunner.Run invalid = cli.run("datasets", "upload", broken.toString());
        assertThat(invalid.code()).as(invalid.toString()).isEqualTo(3);
        assertThat(invalid.out()).contains("INVALID (fits no method)", "line 2:");

        String brokenId = cli.run("datasets", "list", "-o", "json").json().findParents("name").stream()
                .filter(d -> d.path("name").asText().equals("broken.jsonl")).findFirst().orElseThrow()
                .path("id").asText();
        CliRunner.Run deleted = cli.run("datasets", "delete", brokenId);
        assertThat(deleted.code()).as(deleted.toString()).isZero();
        CliRunner.Run gone = cli.run("datasets", "show", brokenId, "-o", "json");
        assertThat(gone.code()).isEqualTo(3);
        assertThat(gone.error().path("problem").path("status").asInt()).isEqualTo(404);
        assertThat(gone.out()).isEmpty();
    }

    @Test
    void killedUploadResumesOnTheNextRunAndTheServerHoldsTheWholeFile() throws Exception {
        Path file = work.resolve("resumable.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; lines.length() < 200_000; i++) {
            lines.append("{\"prompt\": \"question ").append(i).append(' ').append(UUID.randomUUID())
                    .append("\", \"completion\": \"answer ").append(i).append("\"}\n");
        }
        Files.writeString(file, lines);
        long size = Files.size(file);
        Path uploads = work.resolve("config/uploads");

        Process first = cli.start(work.resolve("first-upload.out"), "datasets", "upload", file.toString(),
                "--chunk-size", "16k", "--limit-rate", "48k", "-o", "json");
        String uploadId;
        long offset;
        try {
            uploadId = awaitUploadId(uploads, first);
            offset = awaitOffset(uploadId, 16 * 1024);
        } finally {
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        long atKill = settledOffset(uploadId);
        assertThat(offset).isPositive();
        assertThat(atKill).isBetween(offset, size - 1);

        CliRunner.Run second = cli.run("datasets", "upload", file.toString(), "-o", "json");

        assertThat(second.code()).as(second.toString()).isZero();
        JsonNode dataset = second.json();
        // at the server's offset when the command ran again: at least what it held after the kill settled
        assertThat(dataset.path("resumedFrom").asLong()).isBetween(atKill, size - 1);
        assertThat(dataset.path("bytes").asLong()).isEqualTo(size);
        assertThat(dataset.path("sha256").asText()).isEqualTo(sha256(file));
        assertThat(dataset.path("format").asText()).isEqualTo("SFT_PROMPT_COMPLETION");
        try (Stream<Path> left = Files.list(uploads)) {
            assertThat(left).as("the finished upload is forgotten").isEmpty();
        }
    }

    @Test
    void deployAsksFirstThenWatchFollowsToSuccessAndTheArtifactsDownload() throws IOException {
        int before = cli.run("status", "-o", "json").json().size();
        CliRunner.Run declined = cli.answering("n\n", "deploy", "--dataset", datasetId, "--model", "Qwen/Qwen2.5-0.5B",
                "--method", "SFT", "--gpu", GPU, "--max-runtime", "30", "--max-cost", "5");
        assertThat(declined.code()).as(declined.toString()).isEqualTo(7);
        assertThat(declined.out()).contains("Estimate on " + GPU, "runtime", "cost");
        CliRunner.Run noTerminal = cli.answering("", "deploy", "--dataset", datasetId, "--model", "Qwen/Qwen2.5-0.5B",
                "--method", "SFT", "--gpu", GPU, "--max-runtime", "30", "--max-cost", "5");
        assertThat(noTerminal.code()).isEqualTo(7);
        assertThat(noTerminal.err()).contains("--yes");
        CliRunner.Run dryRun = cli.run("deploy", "--dataset", datasetId, "--model", "Qwen/Qwen2.5-0.5B", "--method", "SFT",
                "--gpu", GPU, "--max-runtime", "30", "--max-cost", "5", "--dry-run", "-o", "json");
        assertThat(dryRun.code()).as(dryRun.toString()).isZero();
        assertThat(dryRun.json().path("estimate").path("gpuType").asText()).isEqualTo(GPU);
        assertThat(dryRun.json().has("deployment")).isFalse();
        assertThat(cli.run("status", "-o", "json").json().size()).as("nothing was deployed").isEqualTo(before);

        Path job = Files.writeString(work.resolve("job.yaml"), """
                datasetId: %s
                baseModel: Qwen/Qwen2.5-0.5B
                method: SFT
                gpu:
                  types: ["%s"]
                limits: {maxRuntimeMinutes: 30, maxCostUsd: 5}
                simulation: {steps: 12, stepSeconds: 0.1}
                """.formatted(datasetId, GPU));
        CliRunner.Run deployed = cli.run("deploy", "-f", job.toString(), "--yes", "-o", "json");
        assertThat(deployed.code()).as(deployed.toString()).isZero();
        assertThat(deployed.json().path("estimate").path("costUsd").path("high").isNumber()).isTrue();
        String id = deployed.json().path("deployment").path("id").asText();

        CliRunner.Run watched = cli.run("watch", id, "-o", "json");

        assertThat(watched.code()).as(watched.toString()).isZero();
        List<JsonNode> events = watched.jsonLines();
        assertThat(events).anySatisfy(e -> {
            assertThat(e.path("type").asText()).isEqualTo("metric");
            assertThat(e.path("data").path("loss").isNumber()).isTrue();
        });
        JsonNode end = events.get(events.size() - 1);
        assertThat(end.path("type").asText()).isEqualTo("end");
        assertThat(end.path("deployment").path("status").asText()).isEqualTo("SUCCEEDED");

        JsonNode status = cli.run("status", id, "-o", "json").json();
        assertThat(status.path("deployment").path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(status.path("progress").path("step").asInt()).isEqualTo(12);
        assertThat(status.path("events").findValuesAsText("status")).contains("PENDING", "SUCCEEDED");
        assertThat(cli.run("status").out()).contains(id, "SUCCEEDED");
        assertThat(cli.run("status", id).out()).contains("timeline", "step 12/12");
        assertThat(cli.run("watch", id).out()).contains("SUCCEEDED", "trainpod artifacts download " + id);

        CliRunner.Run listed = cli.run("artifacts", "list", id, "-o", "json");
        assertThat(listed.json().findValuesAsText("name")).contains("simulated_adapter.bin", "training_summary.json");
        Path into = work.resolve("artifacts-" + id);
        CliRunner.Run downloaded = cli.run("artifacts", "download", id, "--dir", into.toString(), "-o", "json");
        assertThat(downloaded.code()).as(downloaded.toString()).isZero();
        for (JsonNode a : listed.json()) {
            Path saved = into.resolve(a.path("name").asText());
            assertThat(sha256(saved)).isEqualTo(a.path("sha256").asText());
        }
        CliRunner.Run logs = cli.run("logs", id, "-o", "json");
        assertThat(logs.json().path("lines").size()).isPositive();
    }

    @Test
    void failedDeploymentShowsWhyAndRetryAndCancelWork() {
        CliRunner.Run deployed = cli.run("deploy", "--dataset", datasetId, "--model", "Qwen/Qwen2.5-0.5B",
                "--method", "SFT", "--gpu", GPU, "--max-runtime", "30", "--max-cost", "5",
                "--simulate-steps", "20", "--simulate-step-seconds", "0.05", "--simulate-fail-at-step", "4", "--yes",
                "--watch");

        assertThat(deployed.code()).as(deployed.toString()).isEqualTo(4);
        String id = deployed.out().lines().filter(l -> l.startsWith("Deployment ")).findFirst().orElseThrow()
                .split(" ")[1];
        assertThat(deployed.out()).contains("FAILED (FAILED_TRAINING)", "simulated trainer failure at step 4",
                "last log lines:", "hint: trainpod logs " + id);
        CliRunner.Run watched = cli.run("watch", id);
        assertThat(watched.code()).as(watched.toString()).isEqualTo(4);
        assertThat(watched.out()).contains("FAILED (");
        CliRunner.Run followed = cli.run("logs", "-f", id);
        assertThat(followed.code()).isZero();
        assertThat(followed.out()).isNotBlank();

        CliRunner.Run retried = cli.run("retry", id, "-o", "json");
        assertThat(retried.code()).as(retried.toString()).isZero();
        assertThat(retried.json().path("retryOf").asText()).isEqualTo(id);
        String retry = retried.json().path("id").asText();
        CliRunner.Run cancelled = cli.run("cancel", retry, "-o", "json");
        assertThat(cancelled.code()).as(cancelled.toString()).isZero();
        assertThat(cancelled.json().path("status").asText()).isEqualTo("CANCELLED");
        assertThat(cli.run("watch", retry).code()).isEqualTo(4);
    }

    @Test
    void preflightErrorsNameTheirFieldAndHint() {
        String[] args = {"deploy", "--dataset", datasetId, "--model", "Qwen/Qwen2.5-0.5B", "--method", "SFT",
            "--gpu", "NO SUCH GPU", "--max-runtime", "30", "--max-cost", "5", "--yes"};
        CliRunner.Run text = cli.run(args);
        assertThat(text.code()).as(text.toString()).isEqualTo(3);
        assertThat(text.err()).contains("gpu.types", "GPU_TYPE_UNKNOWN", "hint:").doesNotContain("Exception", "\tat ");

        String[] jsonArgs = Stream.concat(Stream.of(args), Stream.of("-o", "json")).toArray(String[]::new);
        CliRunner.Run json = cli.run(jsonArgs);
        assertThat(json.code()).isEqualTo(3);
        assertThat(json.error().path("exitCode").asInt()).isEqualTo(3);
        assertThat(json.error().path("problem").path("errors").findValuesAsText("code")).contains("GPU_TYPE_UNKNOWN");
    }

    @Test
    void exitCodesTellAuthNetworkAndUsageApartInTheLaunchersProcess() {
        CliRunner.Run usage = cli.launch(work, "status", "--no-such-option");
        assertThat(usage.code()).as(usage.toString()).isEqualTo(2);
        CliRunner.Run refused = cli.with(Map.of("TRAINPOD_TOKEN", stack.keys().userToken(USER, Duration.ofSeconds(-60))))
                .launch(work, "status", "-o", "json");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(5);
        assertThat(refused.error().path("message").asText()).contains("expired");
        CliRunner.Run forged = cli.with(Map.of("TRAINPOD_TOKEN", "not-a-token")).run("status", "-o", "json");
        assertThat(forged.code()).as(forged.toString()).isEqualTo(5);
        CliRunner.Run down = cli.launch(work, "status", "--deploy-url", "http://127.0.0.1:9", "-o", "json");
        assertThat(down.code()).as(down.toString()).isEqualTo(6);
        assertThat(down.error().path("message").asText()).contains("deploy-service");
        CliRunner.Run notFound = cli.run("status", UUID.randomUUID().toString());
        assertThat(notFound.code()).isEqualTo(3);
        assertThat(notFound.err()).startsWith("error: ").doesNotContain("\tat ");
    }

    @Test
    void deviceFlowSignsInWithTheStandInProviderOnceThePersonApproves() throws Exception {
        CliRunner device = cli.with(Map.of("TRAINPOD_CONFIG_DIR", work.resolve("device-config").toString()));
        CliRunner.Running login = device.begin("login", "--issuer", stack.oidcUrl());
        Matcher code = awaitUserCode(login);
        assertThat(login.code()).as("waiting for the approval").isNotDone();

        ItHttp.Answer approved = form(stack.oidcUrl() + "/device", "user_code=" + code.group(1) + "&username=device-user");
        assertThat(approved.status()).isEqualTo(200);
        CliRunner.Run signedIn = login.await();

        assertThat(signedIn.code()).as(signedIn.toString()).isZero();
        assertThat(signedIn.out()).contains("Signed in as device-user");
        assertThat(device.run("datasets", "list", "-o", "json").code()).isZero();
        assertThat(device.run("logout").code()).isZero();
        assertThat(device.run("datasets", "list").code()).isEqualTo(5);
    }

    @Test
    void everyServiceIsReachedThroughTheGatewayAddressAlone() throws IOException {
        String gateway = stack.gatewayUrl();
        Assumptions.assumeTrue(gateway != null, "nginx is not installed");
        CliRunner viaGateway = cli.with(Map.of("TRAINPOD_API_URL", gateway, "TRAINPOD_DEPLOY_URL", "",
                "TRAINPOD_DATASET_URL", "", "TRAINPOD_METRICS_URL", ""));
        Path file = Files.writeString(work.resolve("gateway.jsonl"),
                "{\"text\": \"through the gateway " + UUID.randomUUID() + "\"}\n");

        CliRunner.Run uploaded = viaGateway.run("datasets", "upload", file.toString(), "--chunk-size", "16", "-o", "json");

        assertThat(uploaded.code()).as(uploaded.toString()).isZero();
        assertThat(uploaded.json().path("sha256").asText()).isEqualTo(sha256(file));
        assertThat(viaGateway.run("status", "-o", "json").code()).isZero();
        assertThat(viaGateway.run("secrets", "show", "-o", "json").json().path("runpod").path("configured").asBoolean())
                .isTrue();
    }

    @Test
    void secretsAndTheGpuCatalogAreReadAndWrittenWithoutEchoingASecret() {
        String hfToken = "hf_" + UUID.randomUUID().toString().replace("-", "");
        CliRunner.Run stored = cli.answering(hfToken + "\n", "secrets", "set", "huggingface", "-o", "json");
        assertThat(stored.code()).as(stored.toString()).isZero();
        try {
            assertThat(stored.json().path("last4").asText()).isEqualTo(hfToken.substring(hfToken.length() - 4));
            CliRunner.Run shown = cli.run("secrets", "show");
            assertThat(shown.out()).contains("huggingface  yes").doesNotContain(hfToken);
        } finally {
            assertThat(cli.run("secrets", "delete", "huggingface").code()).isZero();
        }
        assertThat(cli.run("secrets", "show", "-o", "json").json().path("huggingface").path("configured").asBoolean())
                .isFalse();
        CliRunner.Run malformed = cli.answering("not-a-token\n", "secrets", "set", "huggingface");
        assertThat(malformed.code()).isEqualTo(3);
        assertThat(malformed.err()).contains("HUGGINGFACE_TOKEN_MALFORMED", "hint:").doesNotContain("not-a-token");

        CliRunner.Run gpus = cli.run("gpus", "-o", "json");
        assertThat(gpus.code()).as(gpus.toString()).isZero();
        assertThat(gpus.json().findValuesAsText("id")).contains(GPU);
        assertThat(cli.run("gpus").out()).contains(GPU, "AVAILABILITY");
    }

    @Test
    void completionScriptCoversTheCommands() {
        CliRunner.Run completion = cli.run("completion");
        assertThat(completion.code()).isZero();
        assertThat(completion.out()).contains("complete -F", "datasets", "artifacts", "watch");
    }

    /** The code the CLI asks the person to confirm, once it has printed it. */
    private static Matcher awaitUserCode(CliRunner.Running login) throws InterruptedException {
        Pattern code = Pattern.compile("confirm the code (\\S+)");
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            Matcher m = code.matcher(login.errSoFar());
            if (m.find()) {
                return m;
            }
            assertThat(login.code()).as(login.errSoFar()).isNotDone();
            Thread.sleep(50);
        }
        throw new AssertionError("no code shown in 30 s: " + login.errSoFar());
    }

    private static ItHttp.Answer form(String url, String body) {
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return new ItHttp.Answer(r.statusCode(), null, r.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String awaitUploadId(Path uploads, Process upload) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            if (Files.isDirectory(uploads)) {
                try (Stream<Path> files = Files.list(uploads)) {
                    List<Path> state = files.filter(f -> f.toString().endsWith(".json")).toList();
                    if (!state.isEmpty()) {
                        return ItHttp.JSON.readTree(state.get(0).toFile()).path("uploadId").asText();
                    }
                }
            }
            assertThat(upload.isAlive()).as("the upload process is running").isTrue();
            Thread.sleep(50);
        }
        throw new AssertionError("the CLI recorded no upload in 60 s");
    }

    private static long awaitOffset(String uploadId, long atLeast) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            long offset = serverOffset(uploadId);
            if (offset >= atLeast) {
                return offset;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the server received no chunk in 60 s");
    }

    /** The offset once the killed process's last chunk has been taken in (two reads half a second apart agree). */
    private static long settledOffset(String uploadId) throws InterruptedException {
        long previous = -1;
        long now = serverOffset(uploadId);
        while (now != previous) {
            Thread.sleep(500);
            previous = now;
            now = serverOffset(uploadId);
        }
        return now;
    }

    private static long serverOffset(String uploadId) {
        ItHttp.Answer a = ItHttp.send("GET", stack.datasetUrl() + "/api/v1/uploads/" + uploadId, token, null);
        assertThat(a.status()).isEqualTo(200);
        return a.body().path("offset").asLong();
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
