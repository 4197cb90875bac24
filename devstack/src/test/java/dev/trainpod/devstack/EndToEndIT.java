package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.runpod.LogLine;
import dev.trainpod.devstack.runpod.SimPod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole system on real parts: embedded PostgreSQL, a KRaft Kafka broker, the RunPod simulator running the
 * real bootstrap with bash, and the three services as separate processes.
 */
class EndToEndIT {

    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static LocalStack stack;
    private static TrainpodClient user;
    private static String datasetId;

    @BeforeAll
    static void startStack() {
        Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = SharedStack.get();
        user = new TrainpodClient(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl(),
                stack.keys().userToken("e2e-user"));
        assertThat(user.storeRunPodKey(stack.runPodApiKey()).status()).isEqualTo(204);
        TrainpodClient.Answer upload = user.uploadDataset(root.resolve("examples/sft-messages.jsonl"));
        assertThat(upload.status()).isEqualTo(201);
        assertThat(upload.body().path("format").asText()).isEqualTo("SFT_MESSAGES");
        datasetId = upload.body().path("id").asText();
    }

    @Test
    void successfulTrainingEndsSucceededWithItsPodTerminated() {
        String id = deploy("{\"steps\": 12, \"stepSeconds\": 0.1}");

        JsonNode d = awaitEnded(id);

        assertThat(d.path("status").asText()).isEqualTo("SUCCEEDED");
        SimPod pod = simPod(d.path("podId").asText());
        assertThat(pod.status()).isEqualTo("TERMINATED");
        assertThat(pod.restarts()).as("a pod that exits would be restarted and bill on").isZero();
        assertThat(pod.env()).containsKeys("TRAINPOD_JOB_TOKEN", "TRAINPOD_DATASET_URL", "TRAINPOD_METRICS_URL",
                "TRAINPOD_CONFIG", "TRAINPOD_DATASET_SHA256", "TRAINPOD_RUNPOD_API_URL");
        assertThat(pod.env().get("TRAINPOD_METRICS_URL")).endsWith("/api/v1/jobs/" + id);
        JsonNode progress = user.progress(id).body();
        assertThat(progress.path("step").asInt()).isEqualTo(12);
        assertThat(progress.path("percent").asDouble()).isEqualTo(100.0);
        assertThat(d.path("costUsd").decimalValue()).isPositive();
        assertThat(user.deploymentEvents(id).body().findValuesAsText("status"))
                .containsSubsequence("PENDING", "PROVISIONING", "STARTING", "SUCCEEDED");
    }

    @Test
    void failingTrainerIsReportedAndStopsBillingWithinSeconds() {
        String id = deploy("{\"steps\": 40, \"stepSeconds\": 0.1, \"failAtStep\": 5, \"exitCode\": 3}");

        JsonNode d = awaitEnded(id);

        assertThat(d.path("status").asText()).isEqualTo("FAILED");
        assertThat(d.path("reason").asText()).isEqualTo("FAILED_TRAINING");
        assertThat(d.path("exitCode").asInt()).isEqualTo(3);
        assertThat(d.path("logTail").asText()).contains("simulated trainer failure at step 5");
        SimPod pod = simPod(d.path("podId").asText());
        assertThat(pod.status()).isEqualTo("TERMINATED");
        Instant failedAt = pod.log().stream()
                .filter(l -> l.line().contains("simulated trainer failure at step 5"))
                .map(LogLine::time).findFirst()
                .orElseThrow(() -> new AssertionError("the simulator saw no failure line in the pod's output"));
        Duration billedAfterFailure = Duration.between(failedAt, pod.terminatedAt());
        assertThat(billedAfterFailure).as("billed time from failure to termination (naive system: 3600 s)")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(pod.restarts()).isZero();
    }

    @Test
    void noRunPodKeyOrTokenAppearsInTheServiceLogs() throws IOException {
        String id = deploy("{\"steps\": 3, \"stepSeconds\": 0.05}");
        JsonNode d = awaitEnded(id);
        String jobToken = simPod(d.path("podId").asText()).env().get("TRAINPOD_JOB_TOKEN");
        for (String module : new String[] {"deploy-service", "dataset-service", "metrics-service"}) {
            String log = Files.readString(stack.serviceLog(module));
            assertThat(log).as(module + " log").doesNotContain(stack.runPodApiKey()).doesNotContain(jobToken);
        }
    }

    private static String deploy(String simulation) {
        String body = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["NVIDIA RTX A4000"], "count": 1, "cloud": "SECURE"},
                 "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "simulation": %s}
                """.formatted(datasetId, simulation);
        TrainpodClient.Answer a = user.createDeployment(body);
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
        return a.body().path("id").asText();
    }

    private static JsonNode awaitEnded(String id) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (Instant.now().isBefore(deadline)) {
            JsonNode d = user.deployment(id).body();
            boolean podDone = d.path("podId").isNull() || !d.path("podTerminatedAt").isNull();
            if (TERMINAL.contains(d.path("status").asText()) && podDone) {
                return d;
            }
            ServiceProcess.sleep(250);
        }
        throw new AssertionError("deployment " + id + " did not end: " + user.deployment(id).body());
    }

    private static SimPod simPod(String podId) {
        return stack.simulator().pods().stream().filter(p -> p.id().equals(podId)).findFirst()
                .orElseThrow(() -> new AssertionError("the simulator never saw pod " + podId));
    }
}
