package dev.trainpod.devstack.runpod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the simulator against RunPod's own OpenAPI document, when this checkout has it. */
class OpenApiConformanceTest {

    @TempDir
    static Path workRoot;

    private static SimulatorFixture sim;
    private OpenApiDocument doc;

    @BeforeAll
    static void start() {
        sim = SimulatorFixture.start(workRoot);
    }

    @AfterAll
    static void close() {
        sim.close();
    }

    @BeforeEach
    void loadDocument() {
        doc = OpenApiDocument.loadOrSkip();
    }

    @Test
    void everyV2RouteIsAnOperationOfRunPodsDocument() {
        List<String> operations = sim.simulator.v2Operations();

        assertThat(operations).isNotEmpty().allSatisfy(operation -> {
            String[] parts = operation.split(" ", 2);
            assertThat(doc.hasOperation(parts[0], parts[1])).as(operation).isTrue();
        });
    }

    @Test
    void podJsonHasExactlyThePodSchemasFieldsWhileProvisioningAndRunning() {
        JsonNode provisioning = sim.post("/v2/pods", SimulatorFixture.podBody(SimulatorFixture.RTX_4090,
                "sleep 1000", Map.of("A", "b"))).json();
        String id = provisioning.get("id").asText();
        sim.awaitPod(id, p -> p.status().equals("RUNNING"));
        JsonNode running = sim.get("/v2/pods/" + id).json();

        for (JsonNode pod : List.of(provisioning, running)) {
            assertThat(fields(pod)).isSubsetOf(doc.properties("Pod")).containsAll(doc.required("Pod"));
            assertThat(fields(pod.get("gpu"))).isSubsetOf(doc.properties("GpuConfig"));
            assertThat(fields(pod.get("ssh"))).isSubsetOf(doc.properties("PodSsh"));
            assertThat(fields(pod.get("globalNetworking"))).isSubsetOf(doc.properties("PodGlobalNetworking"));
        }
        assertThat(fields(running.get("runtime"))).isSubsetOf(doc.properties("PodRuntime"));
        assertThat(fields(running.at("/runtime/gpus/0"))).isSubsetOf(doc.properties("PodGpuUtilization"));
        assertThat(fields(sim.get("/v2/pods").json())).isEqualTo(doc.properties("ListPodsResponse"));
        sim.delete("/v2/pods/" + id);
    }

    @Test
    void createAcceptsExactlyTheCreatePodRequestProperties() {
        assertThat(CreatePodValidator.properties()).isEqualTo(doc.properties("CreatePodRequest"));
    }

    @Test
    void catalogEntriesHaveTheGpuTypeSchemasFields() {
        JsonNode gpus = sim.get("/v2/catalog/gpus?include=AVAILABILITY&product=POD").json().get("gpus");

        assertThat(gpus).isNotEmpty().allSatisfy(gpu -> {
            assertThat(fields(gpu)).isSubsetOf(doc.properties("GpuType")).containsAll(doc.required("GpuType"));
            assertThat(fields(gpu.get("dataCenters").get(0))).isEqualTo(doc.properties("DataCenterAvailability"));
            assertThat(fields(gpu.get("cudaVersions").get(0))).isEqualTo(doc.properties("CudaVersionAvailability"));
        });
    }

    @Test
    void problemsHaveTheErrorResponseSchemasFields() {
        JsonNode problem = sim.post("/v2/pods", "{\"bogus\":1}").json();

        assertThat(fields(problem)).isEqualTo(doc.properties("ErrorResponse"));
    }

    private static Set<String> fields(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
