package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.runpod.LogLine;
import dev.trainpod.devstack.runpod.SimPod;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Issue 14's lost pods on the real stack: the simulator loses a deployment's pod at chosen steps the way RunPod
 * shows a failed host (the container killed at once, the pod EXITED or ERROR), and deploy-service terminates it,
 * provisions a new pod, whose agent restores the last checkpoint the lost pod uploaded, and the training goes on.
 * After each case, the {@link Invariants}.
 */
class RecoveryIT {

    private static final int STEPS = 30;
    private static final String TRAINING = "{\"steps\": " + STEPS + ", \"stepSeconds\": 0.4}";
    private static final String CHECKPOINT_EVERY_4 = "{\"saveSteps\": 4}";
    private static LocalStack stack;
    private static Path root;

    @BeforeAll
    static void start() {
        root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = SharedStack.get();
    }

    @AfterEach
    void clear() {
        ItHttp.clearFaults(stack);
        ItHttp.send("DELETE", stack.runPodUrl() + "/_sim/losses", null, null);
    }

    @Test
    void aPodLostTwiceResumesOnThreePodsOneAtATimeAndCostsWhatTheyBilled() {
        FaultUser user = new FaultUser(stack, root, "recovery-twice");
        Instant start = Instant.now();
        String id = user.deploy("\"maxRuntimeMinutes\": 30, \"maxCostUsd\": 5", CHECKPOINT_EVERY_4, TRAINING);
        lose(id, 10, "EXITED");
        lose(id, 22, "ERROR");

        JsonNode d = user.awaitEnded(List.of(id), Duration.ofMinutes(4)).get(id);

        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("SUCCEEDED");
        assertThat(d.path("recoveries").asInt()).isEqualTo(2);
        List<SimPod> pods = podsInOrder(user, id);
        assertThat(pods).hasSize(3).allMatch(p -> p.status().equals("TERMINATED"));
        for (int i = 1; i < pods.size(); i++) {
            assertThat(pods.get(i).createdAt()).as("pod %d is created only after pod %d is gone", i + 1, i)
                    .isAfterOrEqualTo(pods.get(i - 1).terminatedAt());
        }
        JsonNode attempts = d.path("attempts");
        assertThat(attempts.findValuesAsText("endReason")).containsExactly("LOST", "LOST", "SUCCEEDED");
        assertThat(attempts.findValuesAsText("podId")).containsExactlyElementsOf(pods.stream().map(SimPod::id)
                .toList());

        // The loss series continues: every step once, and each new pod went on after a checkpoint.
        List<Integer> steps = new ArrayList<>();
        user.metrics(id).forEach(p -> steps.add(p.path("step").asInt()));
        assertThat(steps).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, STEPS).boxed()
                .toList());
        assertThat(firstStep(pods.get(0))).isEqualTo(1);
        assertThat(lastStep(pods.get(0))).isEqualTo(10);
        assertThat(firstStep(pods.get(1))).as("pod 2 resumed from a checkpoint of pod 1").isBetween(5, 10);
        assertThat(lastStep(pods.get(1))).isEqualTo(22);
        // Pod 3 resumes from the newest checkpoint stored when pod 2 was lost: one of pod 2's when an upload finished
        // in its few seconds of life (usually), else the one pod 2 itself resumed from (a CI run saw pod 2 lost before
        // its first upload reached dataset-service), never an older one.
        assertThat(firstStep(pods.get(2))).as("pod 3 resumed from the newest stored checkpoint")
                .isBetween(firstStep(pods.get(1)), 22);
        assertThat(lastStep(pods.get(2))).isEqualTo(STEPS);

        // Each attempt shows the checkpoint it resumed from and the steps it gained beyond it (up to the checkpoint
        // the next pod resumed from; the last one up to the end): together, every step once.
        int resumed2 = firstStep(pods.get(1)) - 1;
        int resumed3 = firstStep(pods.get(2)) - 1;
        assertThat(attempts.get(0).path("resumedFromStep").isNull()).as(attempts.toString()).isTrue();
        assertThat(attempts.findValues("resumedFromStep").subList(1, 3)).extracting(JsonNode::asInt)
                .containsExactly(resumed2, resumed3);
        assertThat(attempts.findValues("stepsGained")).extracting(JsonNode::asInt)
                .containsExactly(resumed2, resumed3 - resumed2, STEPS - resumed3);
        // The newest checkpoint stored off the pod, as the deployment and the progress show it.
        int lastCheckpoint = d.path("lastCheckpoint").path("step").asInt();
        assertThat(lastCheckpoint).as(d.toString()).isBetween(24, 28);
        assertThat(d.path("lastCheckpoint").path("storedAt").asText()).isNotBlank();
        JsonNode progress = user.progress(id);
        assertThat(progress.path("lastCheckpointStep").asInt()).as(progress.toString()).isEqualTo(lastCheckpoint);
        assertThat(progress.path("lastCheckpointAgeSeconds").asLong()).isNotNegative();

        // The cost is the sum of the pods' costs; each is what the simulator billed, plus the seconds a lost pod
        // was counted until its termination was confirmed.
        BigDecimal cost = d.path("costUsd").decimalValue();
        BigDecimal sumOfAttempts = BigDecimal.ZERO;
        for (JsonNode a : attempts) {
            sumOfAttempts = sumOfAttempts.add(a.path("costUsd").decimalValue());
        }
        assertThat(cost).isEqualByComparingTo(sumOfAttempts);
        double metered = pods.stream().mapToDouble(SimPod::costUsd).sum();
        double rate = pods.get(0).costPerHour() / 3600;
        assertThat(cost.doubleValue()).as("deploy-service's cost against the simulator's meter " + metered)
                .isBetween(metered - 3 * rate, metered + 2 * 20 * rate);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("costUsd", cost);
        figures.put("simulatorMeteredUsd", String.format("%.6f", metered));
        figures.put("podsBilledSeconds", pods.stream().map(p -> String.format("%.1f", p.billedSeconds())).toList());
        Invariants.assertHolds(stack, "pod lost twice, recovered on three pods", start, List.of(id),
                Map.of(id, STEPS), figures);
    }

    @Test
    void aBudgetSpentWhileTheLostPodIsTerminatedEndsItWithTheBudgetReasonAndNoNewPod() {
        FaultUser user = new FaultUser(stack, root, "recovery-budget");
        Instant start = Instant.now();
        // RunPod holds the DELETE of the lost pod for 40 s: the recovery waits, and the budget runs out meanwhile.
        ItHttp.fault(stack, "{\"type\": \"HANG\", \"delayMillis\": 40000, \"method\": \"DELETE\","
                + " \"path\": \"/v2/pods\", \"times\": 1}");
        String id = user.deploy("\"maxRuntimeMinutes\": 30, \"maxCostUsd\": 0.001", CHECKPOINT_EVERY_4,
                "{\"steps\": 200, \"stepSeconds\": 0.4}");
        lose(id, 3, "EXITED");

        JsonNode d = user.awaitEnded(List.of(id), Duration.ofMinutes(3)).get(id);

        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("FAILED");
        assertThat(d.path("reason").asText()).isEqualTo("FAILED_BUDGET");
        assertThat(d.path("recoveries").asInt()).isEqualTo(1);
        assertThat(user.podsOf(id)).as("no new pod after the budget ran out").hasSize(1);
        assertThat(user.deploymentEvents(id)).contains("RECOVERING");
        Invariants.assertHolds(stack, "budget spent during a recovery", start, List.of(id), Map.of(),
                Map.of("costUsd", d.path("costUsd").asText()));
    }

    @Test
    void aTrainerThatFailsByItselfIsNotRecovered() {
        FaultUser user = new FaultUser(stack, root, "recovery-own-failure");
        Instant start = Instant.now();
        String id = user.deploy("\"maxRuntimeMinutes\": 30, \"maxCostUsd\": 5", CHECKPOINT_EVERY_4,
                "{\"steps\": 30, \"stepSeconds\": 0.1, \"failAtStep\": 6, \"exitCode\": 3}");

        JsonNode d = user.awaitEnded(List.of(id), Duration.ofMinutes(2)).get(id);

        assertThat(d.path("status").asText()).isEqualTo("FAILED");
        assertThat(d.path("reason").asText()).isEqualTo("FAILED_TRAINING");
        assertThat(d.path("recoveries").asInt()).isZero();
        assertThat(user.podsOf(id)).hasSize(1);
        Invariants.assertHolds(stack, "trainer failure not recovered", start, List.of(id), Map.of(), Map.of());
    }

    /**
     * Early stopping on the local stack: the simulated trainer's eval loss plateaus from step 10 (evaluated every 2
     * steps, a checkpoint at each), so with patience 2 it stops at step 14 of 40, SUCCEEDED; its output holds the
     * weights of the best checkpoint (step 10, the lowest eval loss metrics-service holds), and the saving is in
     * the log and in the output's lineage file.
     */
    @Test
    void aPlateauedRunStopsEarlyWithTheBestCheckpointAsItsOutputAndTheSavingReported() {
        FaultUser user = new FaultUser(stack, root, "early-stopping");
        Instant start = Instant.now();
        ItHttp.Answer created = user.tryDeploy(1, "\"maxRuntimeMinutes\": 30, \"maxCostUsd\": 5", "{\"saveSteps\": 2}",
                "{\"steps\": 40, \"stepSeconds\": 0.1, \"evalPlateauAtStep\": 10}",
                "\"validation\": {\"fraction\": 0.2, \"everySteps\": 2},"
                        + " \"earlyStopping\": {\"patience\": 2, \"minDelta\": 0.01}");
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(202);
        String id = created.body().path("id").asText();

        JsonNode d = user.awaitEnded(List.of(id), Duration.ofMinutes(3)).get(id);

        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("SUCCEEDED");
        Map<Integer, Double> evaluated = new LinkedHashMap<>();
        List<Integer> steps = new ArrayList<>();
        user.metrics(id).forEach(p -> {
            steps.add(p.path("step").asInt());
            if (p.path("evalLoss").isNumber()) {
                evaluated.put(p.path("step").asInt(), p.path("evalLoss").asDouble());
            }
        });
        assertThat(steps).as("stopped early").containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 14)
                .boxed().toList());
        assertThat(evaluated.keySet()).containsExactly(2, 4, 6, 8, 10, 12, 14);
        int best = evaluated.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertThat(best).isEqualTo(10);
        JsonNode lineage = user.artifactJson(id, "trainpod_training.json");
        assertThat(lineage.path("bestEvalLoss").asDouble()).isEqualTo(evaluated.get(best));
        assertThat(lineage.path("bestCheckpoint").asText()).isEqualTo("checkpoint-10");
        assertThat(lineage.path("weightsOfStep").asInt()).as("the output is the best checkpoint").isEqualTo(best);
        JsonNode saved = lineage.path("earlyStopping");
        assertThat(saved.path("stoppedAtStep").asInt()).isEqualTo(14);
        assertThat(saved.path("stepsNotRun").asInt()).isEqualTo(26);
        assertThat(saved.path("usdSaved").asDouble()).as(lineage.toString()).isPositive();
        assertThat(user.logs(id)).anyMatch(l -> l.contains("early stopping saved 26 steps"));
        Invariants.assertHolds(stack, "early stopping on a plateau", start, List.of(id), Map.of(id, 14),
                Map.of("usdSaved", saved.path("usdSaved").asText()));
    }

    /** A GPU count the training cannot use is refused with a hint before any pod exists at the simulator. */
    @Test
    void aGpuCountTheTrainingCannotUseIsRefusedBeforeAnyPod() {
        FaultUser user = new FaultUser(stack, root, "gpu-count-refused");
        int podsBefore = stack.simulator().pods().size();
        ItHttp.Answer a = user.tryDeploy(8, "\"maxRuntimeMinutes\": 30, \"maxCostUsd\": 5", "{\"batchSize\": 256}",
                "{\"steps\": 10}", "");
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(422);
        assertThat(a.body().path("errors").findValuesAsText("code")).contains("GPU_COUNT_UNUSABLE");
        assertThat(a.body().toString()).contains("or fewer (every GPU is billed)");
        assertThat(user.deployments()).as("no deployment").isEmpty();
        assertThat(stack.simulator().pods()).as("no pod").hasSize(podsBefore);
    }

    /**
     * The cost at the simulator's meter of the same run lost twice and recovered, never lost, and lost twice with
     * recovery off and retried from scratch each time (BENCHMARKS.md); run with
     * {@code -Dtrainpod.benchmark.recovery=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "trainpod.benchmark.recovery", matches = "true")
    void recoveryCostsAgainstNoLossAndARetryFromScratch() {
        FaultUser user = new FaultUser(stack, root, "recovery-benchmark");
        String limits = "\"maxRuntimeMinutes\": 30, \"maxCostUsd\": 5";
        String noLoss = user.deploy(limits, CHECKPOINT_EVERY_4, TRAINING);
        String recovered = user.deploy(limits, CHECKPOINT_EVERY_4, TRAINING);
        lose(recovered, 10, "EXITED");
        lose(recovered, 22, "ERROR");
        List<String> scratch = new ArrayList<>();
        String off = limits + ", \"maxRecoveries\": 0";
        scratch.add(user.deploy(off, CHECKPOINT_EVERY_4, TRAINING));
        lose(scratch.get(0), 10, "EXITED");
        user.awaitEnded(List.of(noLoss, recovered, scratch.get(0)), Duration.ofMinutes(4));
        // each retry starts from step 1 and meets the next loss; the last one runs to the end
        String retry = user.retry(scratch.get(0));
        scratch.add(retry);
        lose(retry, 22, "ERROR");
        user.awaitEnded(List.of(retry), Duration.ofMinutes(3));
        scratch.add(user.retry(retry));
        user.awaitEnded(List.of(scratch.get(2)), Duration.ofMinutes(3));

        double none = metered(user, List.of(noLoss));
        double twice = metered(user, List.of(recovered));
        double fromScratch = metered(user, scratch);
        System.out.printf("[recovery-benchmark] simulator-metered USD: no loss %.6f, lost twice and recovered %.6f"
                        + " (%.2fx), lost twice and retried from scratch %.6f (%.2fx); pods %d / %d / %d%n", none,
                twice, twice / none, fromScratch, fromScratch / none, podsInOrder(user, noLoss).size(),
                podsInOrder(user, recovered).size(), scratch.stream().mapToInt(s -> user.podsOf(s).size()).sum());
        assertThat(user.deployment(scratch.get(2)).path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(twice).isLessThan(fromScratch);
    }

    /** Asks the simulator to lose the deployment's current or next pod when it prints step {@code step}. */
    private static void lose(String deploymentId, int step, String how) {
        ItHttp.Answer a = ItHttp.send("POST", stack.runPodUrl() + "/_sim/losses", null, "{\"podName\": \""
                + ItPods.name(deploymentId) + "\", \"atStep\": " + step + ", \"how\": \"" + how + "\"}");
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(204);
    }

    private static List<SimPod> podsInOrder(FaultUser user, String id) {
        return user.podsOf(id).stream().sorted(Comparator.comparing(SimPod::createdAt)).toList();
    }

    private static double metered(FaultUser user, List<String> ids) {
        return ids.stream().flatMap(id -> user.podsOf(id).stream()).mapToDouble(SimPod::costUsd).sum();
    }

    private static List<Integer> stepsPrinted(SimPod pod) {
        return pod.log().stream().map(LogLine::line).filter(l -> l.startsWith("TRAINPOD_METRIC "))
                .map(l -> Integer.parseInt(l.replaceAll(".*\"step\":\\s*(\\d+).*", "$1"))).toList();
    }

    private static int firstStep(SimPod pod) {
        return stepsPrinted(pod).get(0);
    }

    private static int lastStep(SimPod pod) {
        List<Integer> steps = stepsPrinted(pod);
        return steps.get(steps.size() - 1);
    }
}
