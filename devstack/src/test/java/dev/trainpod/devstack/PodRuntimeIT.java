package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.devstack.runpod.LogLine;
import dev.trainpod.devstack.runpod.SimPod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pod runtime end to end: the real bootstrap and agent, run with bash by the RunPod simulator against the three
 * real services, through each way a job ends. Faults come from outside the pod, as they would in production: bytes
 * rotting in storage, a token whose time ran out, metrics-service going away, a signal, a user's cancel.
 */
class PodRuntimeIT {

    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static Path root;
    private static Path stackDir;
    private static LocalStack stack;
    private static TrainpodClient user;
    private static String userToken;
    private static String datasetId;

    @BeforeAll
    static void startStack() {
        root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stackDir = root.resolve("devstack/target/it-stack");
        stack = SharedStack.get();
        userToken = stack.keys().userToken("pod-runtime-user");
        user = new TrainpodClient(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl(), userToken);
        assertThat(user.storeRunPodKey(stack.runPodApiKey()).status()).isEqualTo(204);
        datasetId = upload(root.resolve("examples/sft-messages.jsonl")).path("id").asText();
    }

    @Test
    void successfulJobStoresItsArtifactsAndSaysWhichTrainerRan() throws IOException {
        String id = deploy(datasetId, "{}", "{\"steps\": 6, \"stepSeconds\": 0.1}");

        JsonNode d = awaitEnded(id);

        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("SUCCEEDED");
        SimPod pod = terminatedPod(d);
        assertThat(logLine(pod, "using the simulated trainer: no GPU libraries on this machine")).isPresent();
        assertThat(logLine(pod, "using the Trainpod trainer")).isEmpty();
        JsonNode artifacts = get(stack.datasetUrl() + "/api/v1/artifacts?deploymentId=" + id);
        Map<String, JsonNode> byName = Stream.of(JSON.treeToValue(artifacts, JsonNode[].class))
                .collect(Collectors.toMap(a -> a.path("name").asText(), a -> a));
        assertThat(byName).containsOnlyKeys("simulated_adapter.bin", "training_summary.json");
        Path adapter = podDir(pod).resolve("trainpod/output/simulated_adapter.bin");
        assertThat(byName.get("simulated_adapter.bin").path("bytes").asLong()).isEqualTo(Files.size(adapter));
        assertThat(byName.get("simulated_adapter.bin").path("sha256").asText()).isEqualTo(sha256(Files.readAllBytes(adapter)));
    }

    @Test
    void storedHuggingFaceTokenReachesTheTrainerAndNoLog() throws IOException {
        String hfToken = "hf_" + UUID.randomUUID().toString().replace("-", "");
        assertThat(user.storeHuggingFaceToken(hfToken).status()).isEqualTo(204);
        try {
            JsonNode d = awaitEnded(deploy(datasetId, "{}", "{\"steps\": 3, \"stepSeconds\": 0.05}"));

            assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("SUCCEEDED");
            SimPod pod = terminatedPod(d);
            assertThat(pod.env()).containsEntry("HF_TOKEN", hfToken);
            assertThat(logLine(pod, "Hugging Face token: provided")).isPresent();
            assertThat(pod.log()).noneMatch(l -> l.line().contains(hfToken));
            for (String module : List.of("deploy-service", "dataset-service", "metrics-service")) {
                assertThat(Files.readString(stack.serviceLog(module))).as(module).doesNotContain(hfToken);
            }
        } finally {
            assertThat(user.deleteHuggingFaceToken().status()).isEqualTo(204);
        }
    }

    @Test
    void datasetCorruptedInStorageFailsTheChecksumAsFailedDataset() throws IOException {
        Path file = Files.createTempFile(stackDir, "rotting-", ".jsonl");
        Files.writeString(file, "{\"messages\": [{\"role\": \"user\", \"content\": \"nonce " + UUID.randomUUID()
                + "\"}, {\"role\": \"assistant\", \"content\": \"ok\"}]}\n");
        JsonNode dataset = upload(file);
        Path stored = storedCopy(dataset.path("sha256").asText(), Files.size(file));
        byte[] bytes = Files.readAllBytes(stored);
        bytes[bytes.length - 5] ^= 0x01;  // one bit rots; the size and the recorded checksum stay
        Files.write(stored, bytes);

        JsonNode d = awaitEnded(deploy(dataset.path("id").asText(), "{}", "{\"steps\": 3, \"stepSeconds\": 0.05}"));

        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("FAILED");
        assertThat(d.path("reason").asText()).isEqualTo("FAILED_DATASET");
        assertThat(d.path("message").asText()).contains("dataset checksum mismatch");
        assertThat(d.path("exitCode").asInt()).isEqualTo(65);
        terminatedPod(d);
    }

    @Test
    void outOfGpuMemoryIsReportedWithWhatToDo() {
        String id = deploy(datasetId, "{\"batchSize\": 64, \"maxSeqLength\": 4096}",
                "{\"steps\": 5, \"stepSeconds\": 0.05}");

        JsonNode d = awaitEnded(id);

        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("FAILED");
        assertThat(d.path("reason").asText()).isEqualTo("FAILED_TRAINING");
        assertThat(d.path("message").asText())
                .isEqualTo("out of GPU memory: reduce batch size or choose a GPU with more memory");
        assertThat(d.path("logTail").asText()).contains("CUDA out of memory");
        terminatedPod(d);
    }

    @Test
    void metricsServiceDownForThirtySecondsLosesNoMetricAndDoesNotHoldUpTraining() {
        int steps = 120;
        String id = deploy(datasetId, "{}", "{\"steps\": " + steps + ", \"stepSeconds\": 0.5}");
        awaitProgress(id, 5);

        Instant stopped = Instant.now();
        stack.stop("metrics-service", false);
        Instant restarted;
        try {
            ServiceProcess.sleep(30_000);
        } finally {
            stack.restart("metrics-service");
            restarted = Instant.now();
        }
        JsonNode d = awaitEnded(id);

        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("SUCCEEDED");
        JsonNode points = get(stack.metricsUrl() + "/api/v1/jobs/" + id + "/metrics?maxPoints=1000").path("points");
        List<Integer> received = points.findValues("step").stream().map(JsonNode::asInt).distinct().sorted().toList();
        assertThat(received).as("every step's metrics, sent after the outage")
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, steps).boxed().toList());
        SimPod pod = terminatedPod(d);
        long stepsWhileDown = pod.log().stream()
                .filter(l -> l.line().matches("step \\d+/" + steps + " .*"))
                .filter(l -> l.time().isAfter(stopped) && l.time().isBefore(restarted))
                .count();
        assertThat(stepsWhileDown).as("training steps taken while metrics-service was down").isGreaterThan(40);
    }

    @Test
    void downloadLinkExpiredBeforeTheDownloadIsRefreshedWithTheJobToken() {
        String id = deploy(datasetId, "{}", "{\"steps\": 3, \"stepSeconds\": 0.05}");
        expireDownloadTokens(id);

        JsonNode d = awaitEnded(id);

        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("SUCCEEDED");
        SimPod pod = terminatedPod(d);
        assertThat(logLine(pod, "the dataset download link expired: continuing at 0 bytes with a fresh link"))
                .isPresent();
    }

    @Test
    void sigtermIsReportedByTheAgentAndThePodIsTerminated() {
        String id = deploy(datasetId, "{}", "{\"steps\": 300, \"stepSeconds\": 0.2}");
        awaitProgress(id, 2);
        String podId = user.deployment(id).body().path("podId").asText();

        ProcessHandle container = containerProcess(podId);
        assertThat(container.destroy()).as("SIGTERM sent to the pod's container process").isTrue();

        JsonNode d = awaitEnded(id);
        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("FAILED");
        assertThat(d.path("exitCode").asInt()).isEqualTo(143);
        assertThat(d.path("message").asText()).contains("terminated by signal");
        SimPod pod = terminatedPod(d);
        assertThat(logLine(pod, "failed in phase TRAINING with exit code 143")).as("the agent handled it").isPresent();
    }

    @Test
    void cancelTerminatesThePodAndStopsBilling() {
        String id = deploy(datasetId, "{}", "{\"steps\": 300, \"stepSeconds\": 0.2}");
        awaitProgress(id, 2);

        assertThat(post(stack.deployUrl() + "/api/v1/deployments/" + id + "/cancel")).isEqualTo(202);

        JsonNode d = awaitEnded(id);
        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("CANCELLED");
        SimPod pod = terminatedPod(d);
        assertThat(logLine(pod, "step 300/300")).as("training did not run on").isEmpty();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static JsonNode upload(Path file) {
        TrainpodClient.Answer a = user.uploadDataset(file);
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(201);
        return a.body();
    }

    private static String deploy(String dataset, String hyperparameters, String simulation) {
        String body = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT", "hyperparameters": %s,
                 "gpu": {"types": ["NVIDIA RTX A4000"], "count": 1, "cloud": "SECURE"},
                 "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "simulation": %s}
                """.formatted(dataset, hyperparameters, simulation);
        TrainpodClient.Answer a = user.createDeployment(body);
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
        return a.body().path("id").asText();
    }

    private static JsonNode awaitEnded(String id) {
        return await(id, Duration.ofMinutes(3), d -> TERMINAL.contains(d.path("status").asText())
                && (d.path("podId").isNull() || !d.path("podTerminatedAt").isNull()));
    }

    private static void awaitProgress(String id, int step) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline)) {
            if (user.progress(id).body() != null && user.progress(id).body().path("step").asInt() >= step) {
                return;
            }
            ServiceProcess.sleep(100);
        }
        throw new AssertionError("deployment " + id + " never reached step " + step + ": " + user.deployment(id).body());
    }

    private static JsonNode await(String id, Duration timeout, Predicate<JsonNode> done) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            JsonNode d = user.deployment(id).body();
            if (done.test(d)) {
                return d;
            }
            ServiceProcess.sleep(250);
        }
        throw new AssertionError("deployment " + id + " did not end: " + user.deployment(id).body());
    }

    /** The deployment's pod as the simulator recorded it: terminated, billing stopped, never restarted. */
    private static SimPod terminatedPod(JsonNode deployment) {
        String podId = deployment.path("podId").asText();
        SimPod pod = stack.simulator().pods().stream().filter(p -> p.id().equals(podId)).findFirst()
                .orElseThrow(() -> new AssertionError("the simulator never saw pod " + podId));
        assertThat(pod.status()).isEqualTo("TERMINATED");
        assertThat(pod.terminatedAt()).isNotNull();
        assertThat(pod.restarts()).as("a pod whose command exits is restarted and bills on").isZero();
        return pod;
    }

    private static Optional<LogLine> logLine(SimPod pod, String text) {
        return pod.log().stream().filter(l -> l.line().contains(text)).findFirst();
    }

    private static Path podDir(SimPod pod) {
        return stackDir.resolve("pods").resolve(pod.id());
    }

    /**
     * dataset-service's stored copy of a dataset: the one file under the stack's storage with its bytes. The HTTP
     * layer's scratch copy of the multipart body ({@code .multipart/}) may outlive the answer by a moment; it is not
     * a stored copy.
     */
    private static Path storedCopy(String sha256, long size) throws IOException {
        Path scratch = stackDir.resolve("datasets").resolve(".multipart");
        try (Stream<Path> files = Files.walk(stackDir.resolve("datasets"))) {
            List<Path> matches = files.filter(Files::isRegularFile)
                    .filter(f -> !f.startsWith(scratch))
                    .filter(f -> sizeOf(f) == size)
                    .filter(f -> sha256(readAll(f)).equals(sha256))
                    .toList();
            assertThat(matches).as("stored copies of the dataset").hasSize(1);
            return matches.get(0);
        }
    }

    /**
     * Moves the deployment's download tokens past their expiry, as two hours waiting for a GPU would: it polls from
     * the moment the deployment is accepted, so the tokens expire as soon as they are minted, well before the pod
     * (created after the minting, started a simulated provisioning later) downloads.
     */
    private static void expireDownloadTokens(String deploymentId) {
        SharedPostgres.Server pg = SharedPostgres.server();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("trainpod_dataset"), pg.user(), pg.password());
             PreparedStatement expire = c.prepareStatement("UPDATE download_tokens"
                     + " SET expires_at = now() - interval '1 minute' WHERE deployment_id = ?")) {
            expire.setObject(1, UUID.fromString(deploymentId));
            while (Instant.now().isBefore(deadline)) {
                if (expire.executeUpdate() > 0) {
                    return;
                }
                ServiceProcess.sleep(10);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach dataset-service's database", e);
        }
        throw new AssertionError("no download token was minted for deployment " + deploymentId);
    }

    /** The pod's container process ({@code bash -c <bootstrap>}), found by the pod id in its environment. */
    private static ProcessHandle containerProcess(String podId) {
        String marker = "RUNPOD_POD_ID=" + podId + "\0";
        List<ProcessHandle> pods = ProcessHandle.allProcesses()
                .filter(p -> environ(p).contains(marker))
                .toList();
        return pods.stream()
                .filter(p -> p.parent().map(parent -> !pods.contains(parent)).orElse(true))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no process of pod " + podId));
    }

    private static String environ(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(p.pid()), "environ"), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static JsonNode get(String url) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url)).GET());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int post(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody())).statusCode();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + userToken)
                    .header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long sizeOf(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return -1;
        }
    }

    private static byte[] readAll(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
