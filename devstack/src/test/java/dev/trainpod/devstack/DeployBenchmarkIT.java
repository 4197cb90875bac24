package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.runpod.LogLine;
import dev.trainpod.devstack.runpod.SimPod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import dev.trainpod.devstack.bench.Results;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Failure → pod terminated on the local stack (benchmarks/deploy/failure.sh); skipped unless
 * {@code -Dbenchmark=true}, then on {@link BenchStack}'s production JVMs with fsync on. Appends its figures to
 * benchmarks/results.md; asserts only that every run ended as it should. (Create latency: {@link CreateBenchIT}.)
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class DeployBenchmarkIT {

    private static final String A4000 = "NVIDIA RTX A4000";
    private static final int FAILED_RUNS = Integer.getInteger("benchmark.failed", 50);
    private static final int SUCCEEDED_RUNS = Integer.getInteger("benchmark.succeeded", 5);
    private static final int PARALLEL = Integer.getInteger("benchmark.parallel", 10);
    private static final int CLIENTS = Integer.getInteger("benchmark.clients", 50);
    private static final String FAILURE_LINE = "simulated trainer failure at step";

    private static LocalStack stack;
    private static String token;
    private static String datasetId;
    private static final Results RESULTS = new Results("failure-to-termination");
    private static final List<Double> FAILED_COSTS = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() {
        Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = BenchStack.get();
        String key = "rpa_bench_" + UUID.randomUUID().toString().replace("-", "");
        stack.simulator().addApiKey(key);
        token = stack.keys().userToken("bench-user");
        assertThat(ItHttp.send("PUT", stack.deployUrl() + "/api/v1/secrets/runpod", token,
                "{\"apiKey\": \"" + key + "\"}").status()).isEqualTo(204);
        datasetId = new TrainpodClient(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl(), token)
                .uploadDataset(root.resolve("examples/sft-messages.jsonl")).body().path("id").asText();
    }

    @Test
    void failureToTerminationAndCostOfFailure() throws Exception {
        String failing = "{\"steps\": 300, \"stepSeconds\": 0.2, \"failAtStep\": 5, \"exitCode\": 3}";
        String succeeding = "{\"steps\": 300, \"stepSeconds\": 0.2}";
        List<Double> podTerminated = Collections.synchronizedList(new ArrayList<>());
        List<Double> recorded = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int i = 0; i < FAILED_RUNS; i++) {
            runs.add(CompletableFuture.runAsync(() -> {
                String id = deploy(failing);
                JsonNode d = awaitEnded(id);
                assertThat(d.path("reason").asText()).isEqualTo("FAILED_TRAINING");
                SimPod pod = pod(d.path("podId").asText());
                Instant failedAt = pod.log().stream().filter(l -> l.line().contains(FAILURE_LINE))
                        .map(LogLine::time).findFirst().orElseThrow();
                podTerminated.add(seconds(failedAt, pod.terminatedAt()));
                recorded.add(seconds(failedAt, Instant.parse(d.path("podTerminatedAt").asText())));
                FAILED_COSTS.add(pod.costUsd());
            }, pool));
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).join();
        List<Double> succeededCosts = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> ok = new ArrayList<>();
        for (int i = 0; i < SUCCEEDED_RUNS; i++) {
            ok.add(CompletableFuture.runAsync(() -> {
                JsonNode d = awaitEnded(deploy(succeeding));
                assertThat(d.path("status").asText()).isEqualTo("SUCCEEDED");
                succeededCosts.add(pod(d.path("podId").asText()).costUsd());
            }, pool));
        }
        CompletableFuture.allOf(ok.toArray(CompletableFuture[]::new)).join();
        pool.shutdown();

        double failedMean = FAILED_COSTS.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double okMean = succeededCosts.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        report("failure line -> pod TERMINATED at the simulator (s)", podTerminated);
        report("failure line -> deploy-service recorded the pod terminated (s)", recorded);
        RESULTS.add(String.format("billed cost: failed mean %.6f USD (n=%d), succeeded mean %.6f USD (n=%d),"
                + " ratio %.1f %%", failedMean, FAILED_COSTS.size(), okMean, succeededCosts.size(),
                100 * failedMean / okMean));
    }

    private static String deploy(String simulation) {
        String body = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["%s"], "count": 1, "cloud": "SECURE"},
                 "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5}, "simulation": %s}
                """.formatted(datasetId, A4000, simulation);
        ItHttp.Answer a = ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments", token, body);
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
        return a.body().path("id").asText();
    }

    private static JsonNode awaitEnded(String id) {
        return ItHttp.await("deployment " + id + " to end", Duration.ofMinutes(5),
                () -> ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments/" + id, token, null).body(),
                d -> ItHttp.TERMINAL.contains(d.path("status").asText())
                        && (d.path("podId").isNull() || !d.path("podTerminatedAt").isNull()));
    }

    private static SimPod pod(String podId) {
        return stack.simulator().pods().stream().filter(p -> p.id().equals(podId)).findFirst().orElseThrow();
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    private static void report(String what, List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        RESULTS.add(String.format("%s: n=%d p50=%.3f p99=%.3f max=%.3f", what, sorted.size(),
                percentile(sorted, 50), percentile(sorted, 99), sorted.get(sorted.size() - 1)));
    }

    @AfterAll
    static void appendResults() {
        RESULTS.appendTo(BenchStack.resultsFile());
    }

    private static double percentile(List<Double> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }
}
