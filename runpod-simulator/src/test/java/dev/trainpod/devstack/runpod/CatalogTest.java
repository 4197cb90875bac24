package dev.trainpod.devstack.runpod;

import static dev.trainpod.devstack.runpod.SimulatorFixture.RTX_4090;
import static dev.trainpod.devstack.runpod.SimulatorFixture.encode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GPU catalog: its shape, its prices and the stock levels tests can change. */
class CatalogTest {

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
    void catalogListsGpuTypesWithPricesAndStockWhenAsked() {
        JsonNode gpus = sim.get("/v2/catalog/gpus?include=AVAILABILITY&product=POD").json().get("gpus");

        assertThat(gpus).extracting(g -> g.get("id").asText()).containsExactly("NVIDIA RTX A4000",
                "NVIDIA GeForce RTX 4090", "NVIDIA L40S", "NVIDIA A100 80GB PCIe", "NVIDIA H100 80GB HBM3");
        JsonNode h100 = gpus.get(4);
        assertThat(h100.get("memory").asInt()).isEqualTo(80);
        assertThat(h100.get("secure").asBoolean()).isTrue();
        assertThat(h100.get("community").asBoolean()).isTrue();
        assertThat(h100.at("/price/secure").asDouble()).isEqualTo(2.99);
        assertThat(h100.at("/price/community").asDouble()).isEqualTo(2.69);
        assertThat(h100.at("/maxCount/secure").asInt()).isEqualTo(8);
        assertThat(h100.get("availability").asText()).isEqualTo("HIGH");
        assertThat(h100.get("dataCenters")).isNotEmpty().allSatisfy(dc -> {
            assertThat(dc.get("id").asText()).isNotBlank();
            assertThat(dc.get("availability").asText()).isEqualTo("HIGH");
        });
    }

    @Test
    void stockIsLeftOutUnlessAskedForAndNeedsAProduct() {
        JsonNode plain = sim.get("/v2/catalog/gpus").json().get("gpus").get(0);

        assertThat(plain.has("availability")).isFalse();
        assertThat(plain.has("dataCenters")).isFalse();
        assertThat(sim.get("/v2/catalog/gpus?include=AVAILABILITY").status()).isEqualTo(400);
    }

    @Test
    void oneGpuTypeIsFoundByItsUrlEncodedId() {
        SimulatorFixture.Reply found = sim.get("/v2/catalog/gpus/" + encode(RTX_4090));

        assertThat(found.status()).isEqualTo(200);
        assertThat(found.json().get("id").asText()).isEqualTo(RTX_4090);
        assertThat(found.json().at("/price/secure").asDouble()).isEqualTo(0.69);
        assertThat(sim.get("/v2/catalog/gpus/" + encode("NVIDIA B300")).status()).isEqualTo(404);
    }

    @Test
    void availabilitySetThroughTheControlApiShowsAndRefusesCreates() {
        String gpu = "NVIDIA H100 80GB HBM3";
        assertThat(sim.send("PUT", "/_sim/catalog/availability", null,
                "{\"gpuTypeId\":\"" + gpu + "\",\"availability\":\"NONE\"}").status()).isEqualTo(204);

        JsonNode entry = sim.get("/v2/catalog/gpus/" + encode(gpu) + "?include=AVAILABILITY&product=POD").json();
        SimulatorFixture.Reply create = sim.post("/v2/pods", SimulatorFixture.podBody(gpu, "", Map.of()));

        assertThat(entry.get("availability").asText()).isEqualTo("NONE");
        assertThat(create.status()).isEqualTo(400);
        assertThat(create.json().get("detail").asText()).contains("no longer any instances available");
        sim.send("PUT", "/_sim/catalog/availability", null,
                "{\"gpuTypeId\":\"" + gpu + "\",\"availability\":\"HIGH\"}");
    }
}
