package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.bench.MachineState;
import dev.trainpod.devstack.bench.Percentiles;
import dev.trainpod.devstack.bench.Results;
import dev.trainpod.devstack.runpod.LogLine;
import dev.trainpod.devstack.runpod.SimPod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Failure → pod terminated on the local stack (benchmarks/deploy/failure.sh): real pods (the simulator's
 * processes running the pod agent and the simulated trainer) that fail at step 5, in three variants: <b>spaced</b>
 * (one deployment started every {@code benchmark.spacingMillis}, open loop, so the failures arrive about that far
 * apart), <b>bursts</b> of {@code benchmark.burstSize} (10) deployments started at once, each burst after the last
 * one ended, and <b>busy</b>: the spaced variant with a CPU-burning process per core started for its duration.
 * A warm-up of {@code benchmark.warmUp} (40) spaced failures goes first, not counted, its gaps shrinking evenly from
 * four times the spacing to the spacing. Each reports, from the
 * failure line in the pod's output (the simulator's clock), the time until the simulator
 * had the pod terminated and until deploy-service recorded it ({@code podTerminatedAt}), as percentiles with n,
 * and the load; then the billed cost of a failed deployment against a succeeded one, and whether every metric
 * point a failed pod reported before its failure was stored (the agent reports FAILED first and flushes
 * alongside: this is where a point lost to that order would show). With {@code -Dbenchmark=true} on
 * {@link BenchStack}'s production JVMs with fsync on, figures appended to benchmarks/results.md; in
 * {@code ./mvnw verify} a smoke run of a few pods on the shared stack (figures to devstack/target/bench-smoke.md,
 * meaningless). Asserts only that every run ended as it should and that no point was lost. (Create latency:
 * {@link CreateBenchIT}.)
 */
class DeployBenchmarkIT {

    private static final String A4000 = "NVIDIA RTX A4000";
    private static final String FAILURE_LINE = "simulated trainer failure at step";
    private static final String FAILING = "{\"steps\": 300, \"stepSeconds\": 0.2, \"failAtStep\": 5, \"exitCode\": 3}";

    /** How often the benchmark looks at a deployment it waits for (see {@link #awaitEnded}). */
    private static final Duration POLL = Duration.ofSeconds(1);

    private LocalStack stack;
    private String token;
    private String datasetId;
    /** The steps the simulated trainer reports before it fails at step 5: metrics-service must hold each. */
    private static final List<Integer> POINTS_BEFORE_THE_FAILURE = List.of(1, 2, 3, 4);

    private final List<Double> failedCosts = Collections.synchronizedList(new ArrayList<>());
    private final List<String> lostPoints = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @Test
    void failureToTerminationSpacedInBurstsAndWithTheCpusBusy() throws Exception {
        boolean full = BenchStack.full();
        int spaced = full ? Integer.getInteger("benchmark.spaced", 150) : 2;
        long spacing = full ? Long.getLong("benchmark.spacingMillis", 1500) : 300;
        int bursts = full ? Integer.getInteger("benchmark.bursts", 15) : 1;
        int burstSize = full ? Integer.getInteger("benchmark.burstSize", 10) : 2;
        int busy = full ? Integer.getInteger("benchmark.busy", 150) : 2;
        int succeeded = full ? Integer.getInteger("benchmark.succeeded", 2) : 1;
        int warmUp = full ? Integer.getInteger("benchmark.warmUp", 40) : 0;
        String succeeding = full ? "{\"steps\": 300, \"stepSeconds\": 0.2}" : "{\"steps\": 5, \"stepSeconds\": 0.05}";
        start();
        Results results = new Results("failure-to-termination");
        try {
            // not counted: a fresh stack's first minute (JIT, pools, consumer groups joining) recorded terminations
            // up to 30 s late while deploy-service caught up, which is the stack starting, not the failure path.
            // At the full rate from the first second, a cold deploy-service on 2 CPUs shared with the pods fell
            // behind for good in most runs (session 12: ends recorded a minute late, 100 deployments live, the
            // per-user cap): the warm-up comes up to the rate instead, as a new service's traffic would.
            spaced(warmUp, 4 * spacing, spacing);
            Variant s = spaced(spaced, spacing);
            s.report(results, String.format("spaced (one failing deployment started every %d ms, open loop)",
                    spacing));
            Variant b = bursts(bursts, burstSize);
            b.report(results, String.format("bursts of %d (started at once, the next after the last ended;"
                    + " failure lines of a burst within %.2f s of each other at the median burst)", burstSize,
                    b.medianBurstSpread()));
            int cores = Runtime.getRuntime().availableProcessors();
            Variant c;
            try (CpuBurners burners = CpuBurners.start(cores)) {
                c = spaced(busy, spacing);
            }
            c.report(results, String.format("CPUs busy (spaced every %d ms, with %d CPU-burning processes, one per"
                    + " core)", spacing, cores));
            cost(results, succeeding, succeeded);
            results.add(String.format("metric points lost (steps 1-4 of a failed job not all stored once it"
                    + " ended): %d of %d failed deployments %s", lostPoints.size(), failedCosts.size(),
                    lostPoints.stream().limit(5).toList()));
        } finally {
            pool.shutdownNow();
            String text = results.appendTo(BenchStack.resultsFile());
            System.out.println(text);
        }
        assertThat(lostPoints).as("every point a failed pod reported before its failure is stored").isEmpty();
    }

    private void start() {
        stack = BenchStack.get();
        String key = "rpa_bench_" + UUID.randomUUID().toString().replace("-", "");
        stack.simulator().addApiKey(key);
        token = stack.keys().userToken("bench-failure-" + UUID.randomUUID().toString().substring(0, 8));
        assertThat(ItHttp.send("PUT", stack.deployUrl() + "/api/v1/secrets/runpod", token,
                "{\"apiKey\": \"" + key + "\"}").status()).isEqualTo(204);
        datasetId = new TrainpodClient(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl(), token)
                .uploadDataset(BenchStack.root().resolve("examples/sft-messages.jsonl")).body().path("id").asText();
    }

    /** n failing deployments, one started every spacingMillis whatever the others do. */
    private Variant spaced(int n, long spacingMillis) {
        return spaced(n, spacingMillis, spacingMillis);
    }

    /**
     * n failing deployments started whatever the others do, the gap between two starts going evenly from
     * firstGapMillis to lastGapMillis.
     */
    private Variant spaced(int n, long firstGapMillis, long lastGapMillis) {
        Variant v = new Variant();
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        long due = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ServiceProcess.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000L));
            runs.add(CompletableFuture.runAsync(() -> v.add(failOne()), pool));
            long gap = firstGapMillis + (lastGapMillis - firstGapMillis) * i / Math.max(n - 2, 1);
            due += gap * 1_000_000L;
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).join();
        return v;
    }

    /** count bursts of size failing deployments started at once, each burst once the last one ended. */
    private Variant bursts(int count, int size) {
        Variant v = new Variant();
        for (int b = 0; b < count; b++) {
            List<CompletableFuture<Failure>> burst = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                burst.add(CompletableFuture.supplyAsync(this::failOne, pool));
            }
            CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).join();
            List<Failure> ended = burst.stream().map(CompletableFuture::join).toList();
            ended.forEach(v::add);
            Instant first = ended.stream().map(Failure::failedAt).min(Instant::compareTo).orElseThrow();
            Instant last = ended.stream().map(Failure::failedAt).max(Instant::compareTo).orElseThrow();
            v.burstSpreads.add(seconds(first, last));
        }
        return v;
    }

    /** Deploys one failing job and waits until it ended with its pod terminated. */
    private Failure failOne() {
        JsonNode d = awaitEnded(deploy(FAILING));
        assertThat(d.path("reason").asText()).as(d.toString()).isEqualTo("FAILED_TRAINING");
        SimPod pod = pod(d.path("podId").asText());
        Instant failedAt = pod.log().stream().filter(l -> l.line().contains(FAILURE_LINE))
                .map(LogLine::time).findFirst().orElseThrow();
        failedCosts.add(pod.costUsd());
        String id = d.path("id").asText();
        List<Integer> stored = ItHttp.send("GET", stack.metricsUrl() + "/api/v1/jobs/" + id + "/metrics", token, null)
                .body().path("points").findValues("step").stream().map(JsonNode::asInt).distinct().sorted().toList();
        if (!stored.equals(POINTS_BEFORE_THE_FAILURE)) {
            lostPoints.add(id + " stored steps " + stored);
        }
        return new Failure(failedAt, pod.terminatedAt(), Instant.parse(d.path("podTerminatedAt").asText()),
                MachineState.now().load1());
    }

    private void cost(Results results, String succeeding, int runs) {
        List<CompletableFuture<Double>> ok = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            ok.add(CompletableFuture.supplyAsync(() -> {
                JsonNode d = awaitEnded(deploy(succeeding));
                assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("SUCCEEDED");
                return pod(d.path("podId").asText()).costUsd();
            }, pool));
        }
        double okMean = ok.stream().mapToDouble(CompletableFuture::join).average().orElseThrow();
        double failedMean = failedCosts.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        results.add(String.format("billed cost: failed mean %.6f USD (n=%d), succeeded mean %.6f USD (n=%d, %s),"
                + " ratio %.1f %%", failedMean, failedCosts.size(), okMean, runs, succeeding,
                100 * failedMean / okMean));
    }

    private String deploy(String simulation) {
        String body = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["%s"], "count": 1, "cloud": "SECURE"},
                 "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5}, "simulation": %s}
                """.formatted(datasetId, A4000, simulation);
        ItHttp.Answer a = ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments", token, body);
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
        return a.body().path("id").asText();
    }

    /**
     * Waits for the deployment to end with its pod terminated, looking once a second. Nothing measured depends on
     * when the benchmark looks (both times come from the simulator and deploy-service), but the looking is load on
     * the service measured: each look is an authenticated GET, and at the tests' 200 ms a pile-up of 100 live
     * deployments meant 500 a second (their token checks alone 12 % of deploy-service's samples in a profile of
     * such a pile-up, session 12).
     */
    private JsonNode awaitEnded(String id) {
        return ItHttp.await("deployment " + id + " to end", Duration.ofMinutes(5), POLL,
                () -> ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments/" + id, token, null).body(),
                d -> ItHttp.TERMINAL.contains(d.path("status").asText())
                        && (d.path("podId").isNull() || !d.path("podTerminatedAt").isNull()));
    }

    private SimPod pod(String podId) {
        return stack.simulator().pods().stream().filter(p -> p.id().equals(podId)).findFirst().orElseThrow();
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    /** One failed deployment: its failure line, the pod terminated at the simulator and as deploy-service recorded. */
    private record Failure(Instant failedAt, Instant terminatedAt, Instant recordedAt, double load1) {
    }

    /** The failures of one variant. */
    private static final class Variant {
        private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
        private final List<Double> burstSpreads = new ArrayList<>();
        private final long startedNanos = System.nanoTime();

        void add(Failure f) {
            failures.add(f);
        }

        double medianBurstSpread() {
            List<Double> s = new ArrayList<>(burstSpreads);
            Collections.sort(s);
            return s.isEmpty() ? Double.NaN : s.get((s.size() - 1) / 2);
        }

        void report(Results results, String what) {
            double wall = (System.nanoTime() - startedNanos) / 1e9;
            List<Failure> all = List.copyOf(failures);
            double maxLoad = all.stream().mapToDouble(Failure::load1).max().orElse(0);
            results.sawLoad(maxLoad);
            List<Instant> failedAt = all.stream().map(Failure::failedAt).sorted().toList();
            long[] gaps = new long[Math.max(failedAt.size() - 1, 0)];
            for (int i = 1; i < failedAt.size(); i++) {
                gaps[i - 1] = Duration.between(failedAt.get(i - 1), failedAt.get(i)).toNanos();
            }
            Percentiles gap = Percentiles.ofNanos(gaps);
            results.add(String.format("%s: failure line -> pod TERMINATED at the simulator: %s; -> deploy-service"
                    + " recorded it (podTerminatedAt): %s; gap between consecutive failures p50 %.0f ms, min %.0f"
                    + " ms; highest 1-min load seen %.2f; %.0f s of wall time (%.2f s per failure)", what,
                    Percentiles.ofNanos(all.stream().mapToLong(f -> nanos(f.failedAt(), f.terminatedAt())).toArray())
                            .describe(),
                    Percentiles.ofNanos(all.stream().mapToLong(f -> nanos(f.failedAt(), f.recordedAt())).toArray())
                            .describe(),
                    gap.p50(), Arrays.stream(gaps).min().orElse(0) / 1e6, maxLoad, wall,
                    wall / Math.max(all.size(), 1)));
        }

        private static long nanos(Instant from, Instant to) {
            return Duration.between(from, to).toNanos();
        }
    }

    /** One CPU-burning process per core (a shell busy loop), for the "CPUs busy" variant; closing kills them. */
    private record CpuBurners(List<Process> processes) implements AutoCloseable {

        static CpuBurners start(int count) {
            List<Process> started = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    started.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
                }
            } catch (IOException e) {
                started.forEach(Process::destroyForcibly);
                throw new UncheckedIOException(e);
            }
            return new CpuBurners(started);
        }

        @Override
        public void close() {
            processes.forEach(Process::destroyForcibly);
        }
    }
}
