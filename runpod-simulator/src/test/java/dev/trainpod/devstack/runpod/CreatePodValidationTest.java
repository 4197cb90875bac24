package dev.trainpod.devstack.runpod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How pod creation rejects bodies that break RunPod's contract (422) or its rules (400). */
class CreatePodValidationTest {

    @TempDir
    static Path workRoot;

    private static SimulatorFixture sim;

    @BeforeAll
    static void start() {
        sim = SimulatorFixture.start(workRoot);
    }

    @AfterEach
    void terminatePods() {
        sim.simulator.pods().forEach(pod -> sim.delete("/v2/pods/" + pod.id()));
    }

    @AfterAll
    static void close() {
        sim.close();
    }

    @Test
    void unknownFieldIsRejectedWith422InRunPodsWording() {
        int podsBefore = sim.simulator.pods().size();

        SimulatorFixture.Reply reply = sim.post("/v2/pods",
                "{\"name\":\"x\",\"image\":\"img\",\"gpu\":{\"id\":\"NVIDIA L40S\"},\"bogus\":1}");

        assertThat(reply.status()).isEqualTo(422);
        assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(reply.json().get("errors")).extracting(JsonNode::asText)
                .containsExactly("$: additional properties 'bogus' not allowed");
        assertThat(sim.simulator.pods()).hasSize(podsBefore);
    }

    @Test
    void contractViolationsAreListedTogetherWith422() {
        SimulatorFixture.Reply reply = sim.post("/v2/pods",
                "{\"name\":\"\",\"gpu\":{\"id\":\"NVIDIA L40S\",\"count\":0,\"extra\":true},\"cloud\":\"MOON\"}");

        assertThat(reply.status()).isEqualTo(422);
        assertThat(reply.json().get("errors")).extracting(JsonNode::asText).containsExactlyInAnyOrder(
                "$: missing property 'image'",
                "$.name: minLength: got 0, want 1",
                "$.cloud: value must be one of 'SECURE', 'COMMUNITY'",
                "$.gpu: additional properties 'extra' not allowed",
                "$.gpu.count: minimum: got 0, want 1");
    }

    @Test
    void bothCudaConstraintsAreA400() {
        SimulatorFixture.Reply reply = sim.post("/v2/pods", "{\"name\":\"x\",\"image\":\"img\",\"gpu\":{"
                + "\"id\":\"NVIDIA L40S\",\"allowedCudaVersions\":[\"12.4\"],\"minCudaVersion\":\"12.1\"}}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("detail").asText()).contains("mutually exclusive");
    }

    @Test
    void fiftyEnvironmentVariablesAreAllowedButNotFiftyOne() {
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            env.put("VAR_" + i, "v");
        }
        assertThat(sim.post("/v2/pods", SimulatorFixture.podBody(SimulatorFixture.RTX_4090, "", env)).status())
                .isEqualTo(201);

        env.put("VAR_50", "v");
        SimulatorFixture.Reply reply = sim.post("/v2/pods",
                SimulatorFixture.podBody(SimulatorFixture.RTX_4090, "", env));
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("detail").asText()).contains("at most 50");
    }

    @Test
    void unknownGpuTypeAndTooManyGpusAreA400() {
        int podsBefore = sim.simulator.pods().size();

        assertThat(sim.post("/v2/pods", "{\"name\":\"x\",\"image\":\"img\",\"gpu\":{\"id\":\"RTX 4090\"}}")
                .status()).isEqualTo(400);
        assertThat(sim.post("/v2/pods", "{\"name\":\"x\",\"image\":\"img\",\"gpu\":{\"id\":\"NVIDIA L40S\","
                + "\"count\":9}}").status()).isEqualTo(400);
        assertThat(sim.simulator.pods()).hasSize(podsBefore);
    }

    @Test
    void costIsTheCloudsPriceTimesGpuCountAndSecureIsTheDefault() {
        JsonNode secure = sim.post("/v2/pods", "{\"name\":\"x\",\"image\":\"img\","
                + "\"gpu\":{\"id\":\"NVIDIA A100 80GB PCIe\",\"count\":2}}").json();
        JsonNode community = sim.post("/v2/pods", "{\"name\":\"y\",\"image\":\"img\",\"cloud\":\"COMMUNITY\","
                + "\"gpu\":{\"id\":\"NVIDIA A100 80GB PCIe\",\"count\":2}}").json();

        assertThat(secure.get("cloud").asText()).isEqualTo("SECURE");
        assertThat(secure.get("cost").asDouble()).isEqualTo(3.28);
        assertThat(community.get("cost").asDouble()).isEqualTo(2.38);
        assertThat(sim.pod(secure.get("id").asText()).costPerHour()).isEqualTo(3.28);
    }

    @Test
    void malformedJsonIsA400Problem() {
        SimulatorFixture.Reply reply = sim.post("/v2/pods", "{\"name\":");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("detail").asText()).startsWith("Request body is not valid JSON");
        assertThat(reply.body()).doesNotContain("at com.fasterxml");
    }
}
