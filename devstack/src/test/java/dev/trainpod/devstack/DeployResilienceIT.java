package dev.trainpod.devstack;

import static dev.trainpod.devstack.ItHttp.TERMINAL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.runpod.SimPod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * deploy-service against the RunPod simulator with injected faults: GPU failover, no capacity, 429, 5xx on create,
 * a crash between create and commit, budget and runtime limits, orphan pods, two replicas, pre-flight hints, retry
 * and the vault. Every assertion is on what the simulator recorded or what the API answers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployResilienceIT {

    private static final String A4000 = "NVIDIA RTX A4000";
    private static final String RTX_4090 = "NVIDIA GeForce RTX 4090";
    private static final String H100 = "NVIDIA H100 80GB HBM3";
    private static final String QUICK = "{\"steps\": 3, \"stepSeconds\": 0.1}";
    private static final String LONG = "{\"steps\": 2000, \"stepSeconds\": 0.5}";

    private static LocalStack stack;
    private static String token;
    private static String runPodKey;
    private static String datasetId;

    @BeforeAll
    static void start() {
        Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = SharedStack.get();
        // A RunPod account of its own, so the pods listed are this class's.
        runPodKey = "rpa_it_resilience_" + UUID.randomUUID().toString().replace("-", "");
        stack.simulator().addApiKey(runPodKey);
        token = stack.keys().userToken("resilience-user");
        assertThat(ItHttp.send("PUT", stack.deployUrl() + "/api/v1/secrets/runpod", token,
                "{\"apiKey\": \"" + runPodKey + "\"}").status()).isEqualTo(204);
        TrainpodClient upload = new TrainpodClient(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl(), token);
        datasetId = upload.uploadDataset(root.resolve("examples/sft-messages.jsonl")).body().path("id").asText();
    }

    @AfterEach
    void clearFaults() {
        ItHttp.clearFaults(stack);
    }

    @Test
    void capacityOnTheFirstGpuTypeUsesTheSecond() {
        ItHttp.fault(stack, "{\"type\": \"CAPACITY\", \"gpuTypeId\": \"" + RTX_4090 + "\"}");

        String id = deploy(List.of(RTX_4090, A4000), "5", 30, QUICK, "");
        JsonNode d = awaitEnded(id);

        assertThat(d.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(d.path("gpuType").asText()).isEqualTo(A4000);
        assertThat(podsOf(id)).singleElement().satisfies(p -> assertThat(p.gpuTypeId()).isEqualTo(A4000));
        List<String> tried = creates(id).stream().map(c -> c.body().path("gpu").path("id").asText() + ":" + c.status())
                .toList();
        assertThat(tried).containsExactly(RTX_4090 + ":400", A4000 + ":201");
    }

    @Test
    void noCapacityAnywhereFailsWithNothingBilling() {
        ItHttp.fault(stack, "{\"type\": \"CAPACITY\"}");

        String id = deploy(List.of(RTX_4090, A4000), "5", 30, QUICK, "");
        JsonNode d = awaitEnded(id);

        assertThat(d.path("status").asText()).isEqualTo("FAILED");
        assertThat(d.path("reason").asText()).isEqualTo("FAILED_NO_CAPACITY");
        assertThat(d.path("message").asText()).contains("nothing is running");
        assertThat(podsOf(id)).isEmpty();
        assertThat(creates(id)).extracting(ItHttp.Call::status).containsOnly(400);

        // Retry: a new deployment with the same request, checked again, once capacity is back.
        ItHttp.clearFaults(stack);
        ItHttp.Answer retried = ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments/" + id + "/retry", token,
                null);
        assertThat(retried.status()).isEqualTo(202);
        assertThat(retried.body().path("retryOf").asText()).isEqualTo(id);
        String again = retried.body().path("id").asText();
        assertThat(awaitEnded(again).path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments/" + again + "/retry", token, null)
                .status()).as("a retry of a finished deployment is allowed").isEqualTo(202);
    }

    @Test
    void capacityWaitKeepsTryingWithBackoffUntilAGpuIsFree() {
        ItHttp.fault(stack, "{\"type\": \"CAPACITY\", \"gpuTypeId\": \"" + A4000 + "\", \"times\": 2}");

        String id = deploy(List.of(A4000), "5", 30, QUICK, ", \"capacityWaitMinutes\": 1");
        JsonNode d = awaitEnded(id);

        assertThat(d.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(creates(id)).extracting(ItHttp.Call::status).containsExactly(400, 400, 201);
        assertThat(events(id)).containsSubsequence("PROVISIONING", "PENDING", "PROVISIONING", "PENDING",
                "PROVISIONING", "STARTING");
        assertThat(podsOf(id)).hasSize(1);
    }

    @Test
    void rateLimitIsHonouredAsRetryAfterSays() {
        ItHttp.fault(stack, "{\"type\": \"RATE_LIMIT\", \"method\": \"POST\", \"path\": \"/v2/pods\","
                + " \"retryAfterSeconds\": 2, \"times\": 1}");

        String id = deploy(List.of(A4000), "5", 30, QUICK, "");
        awaitEnded(id);

        List<ItHttp.Call> creates = creates(id);
        assertThat(creates).extracting(ItHttp.Call::status).containsExactly(429, 201);
        assertThat(Duration.between(creates.get(0).time(), creates.get(1).time()))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(podsOf(id)).hasSize(1);
    }

    @Test
    void deploymentsAreProvisionedSideBySideSoAHungCreateHoldsOnlyItsOwn() {
        // Every create is held 5 s before RunPod handles it: provisioned one after the other, each create would
        // arrive after the one before it was answered.
        ItHttp.fault(stack, "{\"type\": \"HANG\", \"delayMillis\": 5000, \"times\": 3}");
        List<String> ids = Stream.generate(() -> deploy(List.of(A4000), "5", 30, QUICK, "")).limit(3).toList();
        ids.forEach(id -> assertThat(awaitEnded(id).path("status").asText()).isEqualTo("SUCCEEDED"));

        List<ItHttp.Call> creates = ids.stream().flatMap(id -> creates(id).stream())
                .sorted(java.util.Comparator.comparing(ItHttp.Call::received)).toList();
        assertThat(creates).hasSize(3).allSatisfy(c -> assertThat(c.status()).isEqualTo(201));
        assertThat(creates.get(1).received()).as("the second create arrived while the first was held")
                .isBefore(creates.get(0).time());
        assertThat(creates.get(2).received()).as("the third create arrived while the first two were held")
                .isBefore(creates.get(0).time()).isBefore(creates.get(1).time());
    }

    @Test
    void aServerErrorOnCreateNeverYieldsTwoPods() {
        // The pod is made, but the answer is lost: the client must find it by name rather than create another.
        ItHttp.fault(stack, "{\"type\": \"ERROR_AFTER_HANDLING\", \"status\": 502, \"times\": 1}");
        String lost = deploy(List.of(A4000), "5", 30, QUICK, "");
        JsonNode d = awaitEnded(lost);
        assertThat(d.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(podsOf(lost)).singleElement().satisfies(p -> assertThat(p.id()).isEqualTo(d.path("podId").asText()));

        // The pod is not made: the client checks by name, finds none, and creates it once.
        ItHttp.fault(stack, "{\"type\": \"SERVER_ERROR\", \"method\": \"POST\", \"path\": \"/v2/pods\", \"times\": 1}");
        String refused = deploy(List.of(A4000), "5", 30, QUICK, "");
        assertThat(awaitEnded(refused).path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(creates(refused)).extracting(ItHttp.Call::status).containsExactly(503, 201);
        assertThat(podsOf(refused)).hasSize(1);
    }

    @Test
    void podCreatedWhileDeployServiceDiesIsAdoptedAfterRestart() {
        ItHttp.fault(stack, "{\"type\": \"DELAY\", \"delayMillis\": 8000, \"times\": 1}");
        String id = deploy(List.of(A4000), "5", 30, LONG, "");
        SimPod made = ItHttp.await("the pod to be created", Duration.ofSeconds(30), () -> podsOf(id),
                pods -> !pods.isEmpty()).get(0);

        stack.stop("deploy-service", true); // SIGKILL while the create call waits for its answer
        stack.restart("deploy-service");

        JsonNode adopted = ItHttp.await("the pod to be adopted", Duration.ofSeconds(60), () -> deployment(id),
                d -> made.id().equals(d.path("podId").asText()) && "RUNNING".equals(d.path("status").asText()));
        assertThat(adopted.path("gpuType").asText()).isEqualTo(A4000);
        assertThat(events(id)).containsSubsequence("PROVISIONING", "STARTING", "RUNNING");
        assertThat(ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments/" + id + "/cancel", token, null)
                .status()).isEqualTo(202);
        JsonNode d = awaitEnded(id);
        assertThat(d.path("status").asText()).isEqualTo("CANCELLED");
        assertThat(d.path("costUsd").decimalValue()).isPositive();
        assertThat(podsOf(id)).singleElement().satisfies(p -> assertThat(p.status()).isEqualTo("TERMINATED"));
    }

    @Test
    void budgetAndMaxRuntimeStopTheirPods() {
        // 0.02 USD at 2.99 USD/h is reached after about 24 s; one minute is the shortest maximum runtime.
        String budget = deploy(List.of(H100), "0.02", 30, LONG, "");
        String runtime = deploy(List.of(A4000), "5", 1, LONG, "");

        JsonNode b = awaitEnded(budget);
        JsonNode r = awaitEnded(runtime);

        assertThat(b.path("reason").asText()).isEqualTo("FAILED_BUDGET");
        SimPod bp = podsOf(budget).get(0);
        assertThat(bp.status()).isEqualTo("TERMINATED");
        assertThat(bp.costUsd()).as("billed by the simulator").isBetween(0.02, 0.03);
        assertThat(r.path("reason").asText()).isEqualTo("FAILED_MAX_RUNTIME");
        SimPod rp = podsOf(runtime).get(0);
        assertThat(rp.status()).isEqualTo("TERMINATED");
        assertThat(rp.billedSeconds()).isBetween(60.0, 70.0);
        assertThat(b.path("message").asText()).contains("limit");
    }

    @Test
    void orphanPodsAtTheProviderAreTerminated() {
        // A pod named for a deployment that does not exist, as a lost controller would leave behind.
        String name = ItPods.name(UUID.randomUUID().toString());
        ItHttp.Answer created = ItHttp.send("POST", stack.runPodUrl() + "/v2/pods", runPodKey,
                "{\"name\": \"" + name + "\", \"image\": \"runpod/pytorch\", \"gpu\": {\"id\": \"" + A4000
                        + "\", \"count\": 1}}");
        assertThat(created.status()).isEqualTo(201);
        String other = "other-" + UUID.randomUUID();
        ItHttp.send("POST", stack.runPodUrl() + "/v2/pods", runPodKey,
                "{\"name\": \"" + other + "\", \"image\": \"x\", \"gpu\": {\"id\": \"" + A4000 + "\", \"count\": 1}}");

        SimPod orphan = ItHttp.await("the orphan to be terminated", Duration.ofSeconds(30),
                () -> simPod(created.body().path("id").asText()), p -> "TERMINATED".equals(p.status()));

        assertThat(orphan.billedSeconds()).isLessThan(30);
        SimPod notOurs = stack.simulator().pods().stream().filter(p -> p.name().equals(other)).findFirst().orElseThrow();
        assertThat(notOurs.status()).as("pods not named trainpod-* are left alone").isNotEqualTo("TERMINATED");
        ItHttp.send("DELETE", stack.runPodUrl() + "/v2/pods/" + notOurs.id(), runPodKey, null);
    }

    @Test
    void twoReplicasNeverDoubleCreateOrDoubleTerminate() {
        ServiceProcess replica = stack.startReplica("deploy-service");
        try {
            List<String> urls = List.of(stack.deployUrl(), replica.url());
            List<CompletableFuture<String>> creating = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String url = urls.get(i % 2);
                creating.add(CompletableFuture.supplyAsync(() -> deployAt(url, List.of(A4000), "5", 30, LONG, "")));
            }
            List<String> ids = creating.stream().map(CompletableFuture::join).toList();
            for (String id : ids) {
                ItHttp.await("deployment running", Duration.ofSeconds(60), () -> deployment(id),
                        d -> "RUNNING".equals(d.path("status").asText()));
            }
            for (int i = 0; i < ids.size(); i++) {
                assertThat(ItHttp.send("POST", urls.get(i % 2) + "/api/v1/deployments/" + ids.get(i) + "/cancel",
                        token, null).status()).isEqualTo(202);
            }
            List<ItHttp.Call> calls = null;
            for (String id : ids) {
                JsonNode d = awaitEnded(id);
                assertThat(d.path("status").asText()).isEqualTo("CANCELLED");
            }
            calls = ItHttp.calls(stack);
            for (String id : ids) {
                String podId = deployment(id).path("podId").asText();
                assertThat(creates(id)).as("creates of " + id).extracting(ItHttp.Call::status).containsExactly(201);
                assertThat(calls.stream().filter(c -> c.method().equals("DELETE")
                        && c.path().equals("/v2/pods/" + podId))).as("terminations of " + podId).hasSize(1);
                assertThat(simPod(podId).status()).isEqualTo("TERMINATED");
            }
        } finally {
            replica.close();
        }
    }

    @Test
    void everyPreflightFailureComesWithItsHintAndStartsNothing() {
        int podsBefore = stack.simulator().pods().size();
        String body = """
                {"datasetId": "%s", "baseModel": "meta-llama/Llama-3.1-8B", "method": "DPO",
                 "hyperparameters": {"adapter": "full", "epochs": 1000},
                 "gpu": {"types": ["NVIDIA Moon 9000", "%s", "NVIDIA L40S"], "count": 9, "cloud": "SECURE"},
                 "limits": {"maxRuntimeMinutes": 60, "maxCostUsd": 0.05}}
                """.formatted(datasetId, A4000);

        ItHttp.Answer a = ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments", token, body);

        assertThat(a.status()).isEqualTo(422);
        assertThat(a.contentType()).startsWith("application/problem+json");
        List<String> codes = a.body().path("errors").findValuesAsText("code");
        assertThat(codes).contains("GPU_TYPE_UNKNOWN", "GPU_COUNT_TOO_HIGH", "GPU_MEMORY_TOO_SMALL",
                "DATASET_METHOD_MISMATCH", "ESTIMATE_ABOVE_BUDGET");
        for (JsonNode e : a.body().path("errors")) {
            assertThat(e.path("hint").asText()).as(e.path("code").asText()).isNotBlank();
            assertThat(e.path("field").asText()).as(e.path("code").asText()).isNotBlank();
        }
        assertThat(stack.simulator().pods()).hasSize(podsBefore);
    }

    @Test
    void estimatesAndGpuTypesComeFromTheLiveCatalog() {
        ItHttp.Answer e = ItHttp.send("POST", stack.deployUrl() + "/api/v1/estimates", token, """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "hyperparameters": {"epochs": 2}, "gpu": {"types": ["%s"], "cloud": "COMMUNITY"}}
                """.formatted(datasetId, RTX_4090));
        assertThat(e.status()).as(String.valueOf(e.body())).isEqualTo(200);
        assertThat(e.body().path("gpuType").asText()).isEqualTo(RTX_4090);
        assertThat(e.body().path("runtimeMinutes").path("low").decimalValue())
                .isLessThanOrEqualTo(e.body().path("runtimeMinutes").path("high").decimalValue());
        assertThat(e.body().path("costUsd").path("high").decimalValue()).isPositive();
        assertThat(e.body().path("pricePerHour").decimalValue()).isEqualByComparingTo("0.34");
        assertThat(e.body().path("assumptions").toString()).contains("tokens").contains("Epochs: 2.0");

        ItHttp.Answer gpus = ItHttp.send("GET", stack.deployUrl() + "/api/v1/gpu-types", token, null);
        assertThat(gpus.status()).isEqualTo(200);
        assertThat(gpus.body().findValuesAsText("id")).contains(A4000, H100);

        String id = deploy(List.of(A4000), "5", 30, QUICK, "");
        assertThat(deployment(id).path("estimate").path("gpuType").asText()).isEqualTo(A4000);
        awaitEnded(id);
    }

    @Test
    @Order(Integer.MAX_VALUE) // last, so that the logs it reads hold every other test's calls, replicas' included
    void theRunPodKeyIsNeverReturnedNorLogged() throws IOException {
        ItHttp.Answer status = ItHttp.send("GET", stack.deployUrl() + "/api/v1/secrets/runpod", token, null);
        assertThat(status.body().path("configured").asBoolean()).isTrue();
        assertThat(status.body().path("last4").asText()).isEqualTo(runPodKey.substring(runPodKey.length() - 4));
        assertThat(status.body().toString()).doesNotContain(runPodKey.substring(0, runPodKey.length() - 4));
        ItHttp.Answer list = ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments", token, null);
        assertThat(list.body().toString()).doesNotContain(runPodKey);

        try (Stream<Path> logs = Files.list(stack.serviceLog("deploy-service").getParent())) {
            for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("deploy-service")).toList()) {
                assertThat(Files.readString(log)).as(log.toString()).doesNotContain(runPodKey)
                        .doesNotContain(stack.runPodApiKey());
            }
        }
    }

    private static String deploy(List<String> types, String maxCost, int maxRuntime, String simulation,
                                 String extraLimits) {
        return deployAt(stack.deployUrl(), types, maxCost, maxRuntime, simulation, extraLimits);
    }

    private static String deployAt(String url, List<String> types, String maxCost, int maxRuntime, String simulation,
                                   String extraLimits) {
        String body = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": %s, "count": 1, "cloud": "SECURE"},
                 "limits": {"maxRuntimeMinutes": %d, "maxCostUsd": %s%s},
                 "simulation": %s}
                """.formatted(datasetId, ItHttp.JSON.valueToTree(types), maxRuntime, maxCost, extraLimits, simulation);
        ItHttp.Answer a = ItHttp.send("POST", url + "/api/v1/deployments", token, body);
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
        return a.body().path("id").asText();
    }

    private static JsonNode deployment(String id) {
        return ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments/" + id, token, null).body();
    }

    private static List<String> events(String id) {
        return ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments/" + id + "/events", token, null).body()
                .findValuesAsText("status");
    }

    private static JsonNode awaitEnded(String id) {
        return ItHttp.await("deployment " + id + " to end with its pod terminated", Duration.ofMinutes(2),
                () -> deployment(id), d -> d != null && TERMINAL.contains(d.path("status").asText())
                        && (d.path("podId").isNull() || !d.path("podTerminatedAt").isNull()));
    }

    /** The simulator's pods named for the deployment. */
    private static List<SimPod> podsOf(String id) {
        return stack.simulator().pods().stream().filter(p -> p.name().equals(ItPods.name(id))).toList();
    }

    private static SimPod simPod(String podId) {
        return stack.simulator().pods().stream().filter(p -> p.id().equals(podId)).findFirst().orElseThrow();
    }

    /** The create calls the simulator answered for the deployment's pod. */
    private static List<ItHttp.Call> creates(String id) {
        return ItHttp.calls(stack).stream().filter(c -> c.method().equals("POST") && c.path().equals("/v2/pods")
                && c.body() != null && ItPods.name(id).equals(c.body().path("name").asText())).toList();
    }

}
