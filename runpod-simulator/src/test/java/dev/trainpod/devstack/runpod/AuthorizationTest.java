package dev.trainpod.devstack.runpod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which keys may do what: account keys see their own pods, pod-scoped keys only their pod. */
class AuthorizationTest {

    @TempDir
    static Path workRoot;

    private static SimulatorFixture sim;

    @BeforeAll
    static void start() {
        sim = SimulatorFixture.start(workRoot);
    }

    @AfterAll
    static void close() {
        sim.close();
    }

    @Test
    void callsWithoutAKnownKeyAreUnauthorized() {
        SimulatorFixture.Reply missing = sim.send("GET", "/v2/pods", null, null);
        SimulatorFixture.Reply unknown = sim.send("GET", "/v2/catalog/gpus", "rpa_not_a_key", null);

        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(missing.json().get("title").asText()).isEqualTo("Unauthorized");
        assertThat(missing.json().get("status").asInt()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
    }

    @Test
    void podScopedKeyMayActOnlyOnItsOwnPod() {
        String own = sim.createPod("sleep 1000");
        String other = sim.createPod("sleep 1000");
        String podKey = sim.pod(own).env().get("RUNPOD_API_KEY");

        assertThat(sim.send("GET", "/v2/pods/" + own, podKey, null).status()).isEqualTo(200);
        assertThat(sim.send("GET", "/v2/pods/" + other, podKey, null).status()).isEqualTo(403);
        assertThat(sim.send("DELETE", "/v2/pods/" + other, podKey, null).status()).isEqualTo(403);
        assertThat(sim.send("GET", "/v2/pods", podKey, null).status()).isEqualTo(403);
        assertThat(sim.send("GET", "/v2/catalog/gpus", podKey, null).status()).isEqualTo(403);
        assertThat(sim.send("POST", "/v2/pods", podKey,
                SimulatorFixture.podBody(SimulatorFixture.RTX_4090, "sleep 1", Map.of())).status())
                .isEqualTo(403);

        assertThat(sim.send("DELETE", "/v2/pods/" + own, podKey, null).status()).isEqualTo(204);
        assertThat(sim.pod(own).status()).isEqualTo("TERMINATED");
        assertThat(sim.pod(other).status()).isNotEqualTo("TERMINATED");
        assertThat(sim.simulator.pods()).hasSize(2);
        sim.delete("/v2/pods/" + other);
    }

    @Test
    void accountsSeeOnlyTheirOwnPods() {
        String otherKey = "rpa_second_account";
        assertThat(sim.send("POST", "/_sim/keys", null, "{\"apiKey\":\"" + otherKey + "\"}").status())
                .isEqualTo(204);
        String mine = sim.createPod("sleep 1000");

        JsonNode theirList = sim.send("GET", "/v2/pods", otherKey, null).json();

        assertThat(theirList.get("pods")).isEmpty();
        assertThat(sim.send("GET", "/v2/pods/" + mine, otherKey, null).status()).isEqualTo(404);
        assertThat(sim.send("DELETE", "/v2/pods/" + mine, otherKey, null).status()).isEqualTo(404);
        assertThat(sim.get("/v2/pods").json().get("pods")).extracting(p -> p.get("id").asText()).contains(mine);
        sim.delete("/v2/pods/" + mine);
    }
}
