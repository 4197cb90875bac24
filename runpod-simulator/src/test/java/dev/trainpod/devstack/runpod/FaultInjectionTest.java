package dev.trainpod.devstack.runpod;

import static dev.trainpod.devstack.runpod.SimulatorFixture.RTX_4090;
import static dev.trainpod.devstack.runpod.SimulatorFixture.RTX_A4000;
import static dev.trainpod.devstack.runpod.SimulatorFixture.podBody;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults injected through the control API and the RunPod failures they produce. */
class FaultInjectionTest {

    @TempDir
    static Path workRoot;

    private static SimulatorFixture sim;

    @BeforeAll
    static void start() {
        sim = SimulatorFixture.start(workRoot);
    }

    @AfterEach
    void clearFaults() {
        assertThat(sim.send("DELETE", "/_sim/faults", null, null).status()).isEqualTo(204);
        assertThat(sim.send("DELETE", "/_sim/losses", null, null).status()).isEqualTo(204);
        sim.simulator.pods().forEach(pod -> sim.delete("/v2/pods/" + pod.id()));
    }

    @AfterAll
    static void close() {
        sim.close();
    }

    @Test
    void capacityFaultOnOneGpuTypeRefusesOnlyThatType() {
        long rtx4090Pods = podsOn(RTX_4090);
        long a4000Pods = podsOn(RTX_A4000);
        SimulatorFixture.Reply fault = addFault("{\"type\":\"CAPACITY\",\"gpuTypeId\":\"" + RTX_4090 + "\"}");
        assertThat(fault.status()).isEqualTo(201);
        assertThat(fault.json().get("id").asText()).isNotBlank();

        SimulatorFixture.Reply refused = sim.post("/v2/pods", podBody(RTX_4090, "", Map.of()));
        SimulatorFixture.Reply placed = sim.post("/v2/pods", podBody(RTX_A4000, "", Map.of()));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("detail").asText()).contains("no longer any instances available");
        assertThat(placed.status()).isEqualTo(201);
        assertThat(podsOn(RTX_4090)).isEqualTo(rtx4090Pods);
        assertThat(podsOn(RTX_A4000)).isEqualTo(a4000Pods + 1);
    }

    @Test
    void rateLimitFaultAnswers429WithRetryAfterForAsManyCallsAsAsked() {
        addFault("{\"type\":\"RATE_LIMIT\",\"retryAfterSeconds\":7,\"times\":1}");

        SimulatorFixture.Reply limited = sim.get("/v2/pods");
        SimulatorFixture.Reply next = sim.get("/v2/pods");

        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isEqualTo("7");
        assertThat(limited.header("RateLimit")).isNotBlank();
        assertThat(next.status()).isEqualTo(200);
    }

    @Test
    void serverErrorFaultHitsOnlyTheChosenMethodAndPath() {
        addFault("{\"type\":\"SERVER_ERROR\",\"status\":502,\"method\":\"GET\",\"path\":\"/v2/catalog\"}");

        assertThat(sim.get("/v2/catalog/gpus").status()).isEqualTo(502);
        assertThat(sim.get("/v2/pods").status()).isEqualTo(200);
        assertThat(sim.post("/v2/pods", podBody(RTX_4090, "", Map.of())).status()).isEqualTo(201);
    }

    @Test
    void balanceAndAccessFaultsRefusePodCreationOnly() {
        int podsBefore = sim.simulator.pods().size();
        addFault("{\"type\":\"INSUFFICIENT_BALANCE\"}");
        assertThat(sim.post("/v2/pods", podBody(RTX_4090, "", Map.of())).status()).isEqualTo(402);
        assertThat(sim.get("/v2/pods").status()).isEqualTo(200);

        sim.send("DELETE", "/_sim/faults", null, null);
        addFault("{\"type\":\"FORBIDDEN\"}");
        assertThat(sim.post("/v2/pods", podBody(RTX_4090, "", Map.of())).status()).isEqualTo(403);
        assertThat(sim.get("/v2/catalog/gpus").status()).isEqualTo(200);
        assertThat(sim.simulator.pods()).hasSize(podsBefore);
    }

    @Test
    void clearedFaultsNoLongerFire() {
        addFault("{\"type\":\"SERVER_ERROR\"}");
        assertThat(sim.get("/v2/pods").status()).isEqualTo(503);

        sim.send("DELETE", "/_sim/faults", null, null);

        assertThat(sim.get("/v2/pods").status()).isEqualTo(200);
    }

    @Test
    void errorAfterHandlingCreatesThePodButAnswers5xx() {
        int podsBefore = sim.simulator.pods().size();
        addFault("{\"type\":\"ERROR_AFTER_HANDLING\",\"status\":502,\"times\":1}");

        assertThat(sim.post("/v2/pods", podBody(RTX_4090, "", Map.of())).status()).isEqualTo(502);

        assertThat(sim.simulator.pods()).hasSize(podsBefore + 1);
        assertThat(sim.get("/v2/pods").status()).isEqualTo(200);
    }

    @Test
    void delayedCreateHasMadeThePodBeforeItAnswers() throws Exception {
        int podsBefore = sim.simulator.pods().size();
        addFault("{\"type\":\"DELAY\",\"delayMillis\":4000,\"times\":1}");

        CompletableFuture<SimulatorFixture.Reply> answer = CompletableFuture.supplyAsync(
                () -> sim.post("/v2/pods", podBody(RTX_4090, "", Map.of())));
        while (sim.simulator.pods().size() == podsBefore) {
            Thread.sleep(20);
        }

        assertThat(answer).isNotDone();
        assertThat(answer.get(10, TimeUnit.SECONDS).status()).isEqualTo(201);
    }

    @Test
    void hungDeleteTerminatesNothingUntilTheHoldEndsAndHoldsARetryToo() throws Exception {
        String podId = sim.createPod("");
        addFault("{\"type\":\"HANG\",\"method\":\"DELETE\",\"path\":\"/v2/pods\",\"delayMillis\":3000}");

        CompletableFuture<SimulatorFixture.Reply> first = CompletableFuture.supplyAsync(
                () -> sim.delete("/v2/pods/" + podId));
        CompletableFuture<SimulatorFixture.Reply> retry = CompletableFuture.supplyAsync(
                () -> sim.delete("/v2/pods/" + podId));
        Thread.sleep(1500);

        assertThat(first).isNotDone();
        assertThat(retry).isNotDone();
        assertThat(status(podId)).isNotEqualTo("TERMINATED");
        assertThat(sim.get("/v2/pods").status()).as("other calls are not held").isEqualTo(200);
        assertThat(java.util.List.of(first.get(10, TimeUnit.SECONDS).status(), retry.get(10, TimeUnit.SECONDS).status()))
                .containsExactlyInAnyOrder(204, 404);
        assertThat(status(podId)).isEqualTo("TERMINATED");
    }

    /** A container that prints a metric line per step, as the trainer does, then idles. */
    private static final String STEPS = "for s in $(seq 1 40); do echo \"TRAINPOD_METRIC {\\\"step\\\": $s}\"; "
            + "sleep 0.05; done; sleep 1000";

    @Test
    void aPodLostAtAChosenStepStopsThereAndVanishesOrStopsAsRunPodShowsIt() {
        String vanishing = createNamed("trainpod-loss-a");
        String exiting = createNamed("trainpod-loss-b");
        assertThat(sim.send("POST", "/_sim/losses", null,
                "{\"podName\": \"trainpod-loss-a\", \"atStep\": 5}").status()).isEqualTo(204);
        assertThat(sim.send("POST", "/_sim/losses", null,
                "{\"podName\": \"trainpod-loss-b\", \"atStep\": 7, \"how\": \"EXITED\"}").status())
                .isEqualTo(204);

        SimPod gone = sim.awaitPod(vanishing, p -> p.status().equals("TERMINATED"));
        SimPod stopped = sim.awaitPod(exiting, p -> p.status().equals("EXITED"));
        assertThat(sim.get("/v2/pods/" + vanishing).status()).as("RunPod forgets a vanished pod").isEqualTo(404);
        assertThat(sim.get("/v2/pods/" + exiting).json().get("status").asText()).isEqualTo("EXITED");
        assertThat(lastStep(gone)).isEqualTo(5);
        assertThat(lastStep(stopped)).isEqualTo(7);
        double billed = sim.pod(exiting).billedSeconds();
        SimulatorFixture.sleep(300);
        assertThat(sim.pod(exiting).billedSeconds()).as("a lost pod bills no more").isEqualTo(billed);
    }

    @Test
    void randomHostLossWithASeedStrikesAtTheSameStepEveryTime() {
        int[] steps = new int[2];
        for (int run = 0; run < 2; run++) {
            assertThat(sim.send("POST", "/_sim/losses", null, "{\"seed\": 7, \"probability\": 0.1}").status())
                    .isEqualTo(204);
            String id = createNamed("trainpod-random-" + run);
            steps[run] = lastStep(sim.awaitPod(id, p -> p.status().equals("TERMINATED")));
            assertThat(sim.send("DELETE", "/_sim/losses", null, null).status()).isEqualTo(204);
        }
        assertThat(steps[0]).isBetween(1, 39).isEqualTo(steps[1]);
    }

    @Test
    void anInvalidLossIsRefused() {
        assertThat(sim.send("POST", "/_sim/losses", null, "{\"atStep\": 3}").status()).isEqualTo(400);
        assertThat(sim.send("POST", "/_sim/losses", null, "{\"seed\": 1, \"probability\": 2}").status())
                .isEqualTo(400);
        assertThat(sim.send("POST", "/_sim/losses", null,
                "{\"podName\": \"x\", \"atStep\": 3, \"how\": \"MELTED\"}").status()).isEqualTo(400);
    }

    private static String createNamed(String name) {
        SimulatorFixture.Reply reply = sim.post("/v2/pods", podBody(RTX_4090, STEPS, Map.of())
                .replace("\"trainpod-test\"", "\"" + name + "\""));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().get("id").asText();
    }

    /** The last step the pod's container printed. */
    private static int lastStep(SimPod pod) {
        return pod.log().stream().map(LogLine::line).filter(l -> l.startsWith("TRAINPOD_METRIC"))
                .mapToInt(l -> Integer.parseInt(l.replaceAll("\\D+", ""))).max().orElse(0);
    }

    @Test
    void invalidFaultIsRefused() {
        assertThat(addFault("{\"type\":\"METEOR\"}").status()).isEqualTo(400);
        assertThat(sim.get("/v2/pods").status()).isEqualTo(200);
    }

    private static String status(String podId) {
        return sim.simulator.pods().stream().filter(pod -> pod.id().equals(podId)).findFirst().orElseThrow().status();
    }

    private static long podsOn(String gpuTypeId) {
        return sim.simulator.pods().stream().filter(pod -> pod.gpuTypeId().equals(gpuTypeId)).count();
    }

    private static SimulatorFixture.Reply addFault(String body) {
        return sim.send("POST", "/_sim/faults", null, body);
    }
}
