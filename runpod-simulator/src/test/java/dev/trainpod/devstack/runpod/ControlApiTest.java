package dev.trainpod.devstack.runpod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control API and the simulator's HTTP behaviour around errors and headers. */
class ControlApiTest {

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
    void journalRecordsV2CallsWithTheirBodiesButNeverTheKey() {
        sim.send("DELETE", "/_sim/requests", null, null);
        String id = sim.createPod("");
        sim.get("/v2/pods/" + id + "?x=1");

        SimulatorFixture.Reply journal = sim.send("GET", "/_sim/requests", null, null);

        JsonNode requests = journal.json().get("requests");
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).get("method").asText()).isEqualTo("POST");
        assertThat(requests.get(0).get("path").asText()).isEqualTo("/v2/pods");
        assertThat(requests.get(0).get("status").asInt()).isEqualTo(201);
        assertThat(requests.get(0).at("/body/gpu/id").asText()).isEqualTo(SimulatorFixture.RTX_4090);
        assertThat(requests.get(0).get("time").asText()).isNotBlank();
        assertThat(requests.get(1).get("query").asText()).isEqualTo("x=1");
        assertThat(requests.get(1).get("body").isNull()).isTrue();
        assertThat(journal.body()).doesNotContain(SimulatorFixture.KEY).doesNotContainIgnoringCase("authorization");
        sim.delete("/v2/pods/" + id);
    }

    @Test
    void simPodsIncludeTerminatedPodsWithTheirBillAndLog() {
        String id = sim.createPod("echo hello; sleep 1000");
        sim.awaitPod(id, p -> p.log().stream().anyMatch(l -> l.line().equals("hello")));
        sim.delete("/v2/pods/" + id);

        JsonNode pod = null;
        for (JsonNode candidate : sim.send("GET", "/_sim/pods", null, null).json().get("pods")) {
            if (candidate.get("id").asText().equals(id)) {
                pod = candidate;
            }
        }
        JsonNode log = sim.send("GET", "/_sim/pods/" + id + "/log", null, null).json().get("lines");

        assertThat(pod).isNotNull();
        assertThat(pod.get("status").asText()).isEqualTo("TERMINATED");
        assertThat(pod.get("terminatedAt").asText()).isNotBlank();
        assertThat(pod.get("costUsd").asDouble()).isPositive();
        assertThat(pod.get("billedSeconds").asDouble()).isPositive();
        assertThat(pod.get("gpuTypeId").asText()).isEqualTo(SimulatorFixture.RTX_4090);
        assertThat(pod.has("log")).isFalse();
        assertThat(pod.has("env")).isFalse();
        assertThat(log).extracting(l -> l.get("line").asText()).contains("hello");
        assertThat(log.get(0).get("time").asText()).isNotBlank();
    }

    @Test
    void errorsAreProblemsWithTheRightStatus() {
        SimulatorFixture.Reply unknownPath = sim.get("/v2/volumes");
        SimulatorFixture.Reply wrongMethod = sim.send("PUT", "/v2/pods", SimulatorFixture.KEY, "{}");
        SimulatorFixture.Reply malformed = sim.send("POST", "/_sim/keys", null, "{not json");
        SimulatorFixture.Reply outside = sim.send("GET", "/elsewhere", null, null);

        assertThat(unknownPath.status()).isEqualTo(404);
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.header("Allow")).isEqualTo("GET, POST");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(outside.status()).isEqualTo(404);
        for (SimulatorFixture.Reply reply : new SimulatorFixture.Reply[] {unknownPath, wrongMethod, malformed}) {
            assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(reply.json().get("detail").asText()).isNotBlank();
        }
    }

    @Test
    void everyV2ResponseCarriesRateLimitHeaders() {
        for (SimulatorFixture.Reply reply : new SimulatorFixture.Reply[] {
                sim.get("/v2/pods"), sim.get("/v2/catalog/gpus"), sim.get("/v2/pods/none")}) {
            assertThat(reply.header("RateLimit")).contains("\"minute\";r=");
            assertThat(reply.header("RateLimit-Policy")).contains("\"minute\";q=");
        }
    }
}
