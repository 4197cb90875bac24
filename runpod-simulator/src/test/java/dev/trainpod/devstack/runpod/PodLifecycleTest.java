package dev.trainpod.devstack.runpod;

import static dev.trainpod.devstack.runpod.SimulatorFixture.await;
import static dev.trainpod.devstack.runpod.SimulatorFixture.running;
import static dev.trainpod.devstack.runpod.SimulatorFixture.sleep;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a simulated pod moves through its states, runs its container, restarts it and bills for it. */
class PodLifecycleTest {

    @TempDir
    Path workRoot;

    private SimulatorFixture sim;

    @AfterEach
    void close() {
        sim.close();
    }

    @Test
    void podGoesThroughProvisioningAndStartingToRunningWithRuntimeOnlyWhenRunning() {
        sim = SimulatorFixture.start(workRoot, b -> b.transitionDelay(Duration.ofMillis(300)));
        SimulatorFixture.Reply created = sim.post("/v2/pods", SimulatorFixture.podBody(
                SimulatorFixture.RTX_4090, "sleep 1000", Map.of()));

        assertThat(created.status()).isEqualTo(201);
        JsonNode pod = created.json();
        assertThat(pod.get("status").asText()).isEqualTo("PROVISIONING");
        assertThat(pod.get("runtime").isNull()).isTrue();
        assertThat(pod.get("startedAt").isNull()).isTrue();
        assertThat(pod.get("cost").asDouble()).isEqualTo(0.69);

        List<JsonNode> seen = new ArrayList<>();
        String id = pod.get("id").asText();
        await(() -> {
            JsonNode now = sim.get("/v2/pods/" + id).json();
            seen.add(now);
            return now.get("status").asText().equals("RUNNING");
        }, "the pod to run");

        List<String> statuses = seen.stream().map(p -> p.get("status").asText()).distinct().toList();
        assertThat(statuses).containsSubsequence("STARTING", "RUNNING");
        assertThat(seen).filteredOn(p -> !p.get("status").asText().equals("RUNNING"))
                .allMatch(p -> p.get("runtime").isNull());
        JsonNode running = seen.get(seen.size() - 1);
        assertThat(running.get("runtime").isObject()).isTrue();
        assertThat(running.get("startedAt").isTextual()).isTrue();
        assertThat(texts(running.get("actions"))).containsExactly("stop", "restart", "terminate");
    }

    @Test
    void containerRunsInItsOwnDirectoryWithOnlyItsEnvironmentAndRunPodVariables() {
        sim = SimulatorFixture.start(workRoot, b -> b.podEnv("EXTRA_TOOL", "on"));
        String id = sim.post("/v2/pods", SimulatorFixture.podBody(SimulatorFixture.RTX_4090,
                "echo \"$RUNPOD_POD_ID $FOO $EXTRA_TOOL $RUNPOD_GPU_COUNT $RUNPOD_PUBLIC_IP\" > out.txt; "
                        + "echo \"$RUNPOD_API_KEY\" > key.txt; env > env.txt; sleep 1000",
                Map.of("FOO", "bar"))).json().get("id").asText();

        assertThat(sim.awaitFile(id, "out.txt")).isEqualTo(id + " bar on 1 127.0.0.1");
        String podKey = sim.awaitFile(id, "key.txt");
        assertThat(podKey).startsWith("rpa_pod_").hasSize("rpa_pod_".length() + 32)
                .isEqualTo(sim.pod(id).env().get("RUNPOD_API_KEY"));
        sleep(100);
        Set<String> names = Arrays.stream(sim.awaitFile(id, "env.txt").split("\n"))
                .map(line -> line.substring(0, line.indexOf('=')))
                .collect(Collectors.toSet());
        Set<String> bashOwn = Set.of("PWD", "SHLVL", "_", "OLDPWD");
        assertThat(names).allMatch(name -> bashOwn.contains(name) || name.startsWith("RUNPOD_")
                || Set.of("PATH", "HOME", "LANG", "JAVA_HOME", "FOO", "EXTRA_TOOL").contains(name));
        assertThat(names).contains("RUNPOD_POD_ID", "RUNPOD_API_KEY", "RUNPOD_GPU_COUNT", "RUNPOD_CPU_COUNT",
                "RUNPOD_DC_ID", "RUNPOD_PUBLIC_IP", "FOO", "EXTRA_TOOL");
    }

    @Test
    void exitedContainerIsRestartedAndBillingGoesOn() {
        sim = SimulatorFixture.start(workRoot);
        String id = sim.createPod("echo working; exit 3");

        SimPod pod = sim.awaitPod(id, p -> p.restarts() >= 2);

        assertThat(pod.status()).isEqualTo("RUNNING");
        assertThat(pod.log()).extracting(LogLine::line)
                .contains("working", "[simulator] container exited with code 3; restarting");
        sleep(100);
        assertThat(sim.pod(id).billedSeconds()).isGreaterThan(pod.billedSeconds());
        assertThat(sim.get("/v2/pods/" + id).json().get("cost").asDouble()).isEqualTo(0.69);
    }

    @Test
    void deleteKillsTheWholeProcessTreeAndStopsBilling() {
        sim = SimulatorFixture.start(workRoot);
        String id = sim.createPod("sleep 1000 & echo $! > sleep.pid; wait");
        long sleepPid = Long.parseLong(sim.awaitFile(id, "sleep.pid"));
        assertThat(running(sleepPid)).isTrue();

        assertThat(sim.delete("/v2/pods/" + id).status()).isEqualTo(204);

        assertThat(running(sleepPid)).as("the pod's sleep child is killed").isFalse();
        SimPod terminated = sim.pod(id);
        assertThat(terminated.status()).isEqualTo("TERMINATED");
        assertThat(terminated.terminatedAt()).isNotNull();
        sleep(150);
        assertThat(sim.pod(id).billedSeconds()).isEqualTo(terminated.billedSeconds());
        assertThat(sim.pod(id).costUsd()).isEqualTo(terminated.costUsd()).isPositive();
        assertThat(sim.get("/v2/pods/" + id).status()).isEqualTo(404);
        assertThat(sim.get("/v2/pods").json().get("pods")).isEmpty();
        assertThat(sim.delete("/v2/pods/" + id).status()).isEqualTo(404);
    }

    @Test
    void stopStartAndRestartAreAllowedOnlyWhereRunPodAllowsThem() {
        sim = SimulatorFixture.start(workRoot);
        String id = sim.createPod("echo $$ > bash.pid; sleep 1000");
        sim.awaitPod(id, p -> p.status().equals("RUNNING"));
        long firstPid = Long.parseLong(sim.awaitFile(id, "bash.pid"));

        assertThat(action(id, "start").status()).isEqualTo(409);

        SimulatorFixture.Reply stopped = action(id, "stop");
        assertThat(stopped.status()).isEqualTo(200);
        assertThat(stopped.json().get("status").asText()).isEqualTo("EXITED");
        assertThat(stopped.json().get("cost").asDouble()).isZero();
        assertThat(texts(stopped.json().get("actions"))).containsExactly("start", "terminate");
        assertThat(running(firstPid)).isFalse();
        double billedWhenStopped = sim.pod(id).billedSeconds();
        sleep(150);
        assertThat(sim.pod(id).billedSeconds()).isEqualTo(billedWhenStopped);
        assertThat(action(id, "restart").status()).isEqualTo(409);

        deleteQuietly(workRoot.resolve(id).resolve("bash.pid"));
        assertThat(action(id, "start").status()).isEqualTo(200);
        sim.awaitPod(id, p -> p.status().equals("RUNNING"));
        assertThat(sim.pod(id).billedSeconds()).isGreaterThan(billedWhenStopped);

        long secondPid = Long.parseLong(sim.awaitFile(id, "bash.pid"));
        assertThat(action(id, "restart").status()).isEqualTo(200);
        assertThat(running(secondPid)).isFalse();
        assertThat(sim.pod(id).restarts()).isEqualTo(1);

        assertThat(action(id, "pause").status()).isEqualTo(422);
        assertThat(action(id, "terminate").status()).isEqualTo(204);
        assertThat(sim.pod(id).status()).isEqualTo("TERMINATED");
        assertThat(action(id, "terminate").status()).isEqualTo(404);
    }

    @Test
    void podWithoutArgsRunsWithoutAProcess() {
        sim = SimulatorFixture.start(workRoot);
        String id = sim.createPod("");

        SimPod pod = sim.awaitPod(id, p -> p.status().equals("RUNNING"));

        sleep(150);
        assertThat(sim.pod(id).status()).isEqualTo("RUNNING");
        assertThat(sim.pod(id).restarts()).isZero();
        assertThat(pod.log()).extracting(LogLine::line).noneMatch(line -> line.contains("exited"));
    }

    private SimulatorFixture.Reply action(String id, String action) {
        return sim.post("/v2/pods/" + id + "/action", "{\"action\":\"" + action + "\"}");
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }
}
