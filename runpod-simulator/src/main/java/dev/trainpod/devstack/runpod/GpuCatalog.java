package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The fixed GPU types the simulator offers, their prices, and the stock level tests can change. */
final class GpuCatalog {

    static final Set<String> AVAILABILITY_LEVELS = Set.of("NONE", "LOW", "MEDIUM", "HIGH");
    static final List<String> CUDA_VERSIONS = List.of("12.8", "12.6", "12.4");

    /** A data center that hosts a GPU type. */
    record DataCenter(String id, String name) {
    }

    /** One GPU type; prices are USD per GPU per hour. */
    record GpuType(String id, String name, String pool, int memoryGb, double securePrice,
                   double communityPrice, int maxCount, List<DataCenter> dataCenters) {

        double pricePerGpu(String cloud) {
            return "COMMUNITY".equals(cloud) ? communityPrice : securePrice;
        }
    }

    private static final DataCenter US_TX_3 = new DataCenter("US-TX-3", "US Texas 3");
    private static final DataCenter US_KS_2 = new DataCenter("US-KS-2", "US Kansas 2");
    private static final DataCenter EU_RO_1 = new DataCenter("EU-RO-1", "EU Romania 1");
    private static final DataCenter EU_SE_1 = new DataCenter("EU-SE-1", "EU Sweden 1");
    private static final DataCenter CA_MTL_1 = new DataCenter("CA-MTL-1", "CA Montreal 1");

    private static final List<GpuType> TYPES = List.of(
            new GpuType("NVIDIA RTX A4000", "RTX A4000", "AMPERE_16", 16, 0.25, 0.17, 8,
                    List.of(EU_RO_1, US_TX_3, CA_MTL_1)),
            new GpuType("NVIDIA GeForce RTX 4090", "RTX 4090", "ADA_24", 24, 0.69, 0.34, 8,
                    List.of(EU_RO_1, US_KS_2, EU_SE_1)),
            new GpuType("NVIDIA L40S", "L40S", "ADA_48_PRO", 48, 0.86, 0.79, 8,
                    List.of(US_TX_3, EU_SE_1)),
            new GpuType("NVIDIA A100 80GB PCIe", "A100 PCIe", "AMPERE_80", 80, 1.64, 1.19, 8,
                    List.of(US_KS_2, EU_RO_1)),
            new GpuType("NVIDIA H100 80GB HBM3", "H100 SXM", "ADA_80_PRO", 80, 2.99, 2.69, 8,
                    List.of(US_TX_3, US_KS_2)));

    private final Map<String, String> availability = new ConcurrentHashMap<>();

    List<GpuType> types() {
        return TYPES;
    }

    Optional<GpuType> find(String id) {
        return TYPES.stream().filter(t -> t.id().equals(id)).findFirst();
    }

    String availability(String id) {
        return availability.getOrDefault(id, "HIGH");
    }

    void setAvailability(String id, String level) {
        if (find(id).isEmpty()) {
            throw ApiProblem.notFound("GPU type '" + id + "' is not in the catalog.");
        }
        if (!AVAILABILITY_LEVELS.contains(level)) {
            throw ApiProblem.badRequest("availability must be one of NONE, LOW, MEDIUM, HIGH.");
        }
        availability.put(id, level);
    }

    /** The GPU type as RunPod's {@code GpuType} schema; stock fields only when asked for. */
    ObjectNode toJson(GpuType type, boolean withAvailability) {
        ObjectNode node = Json.MAPPER.createObjectNode()
                .put("id", type.id())
                .put("name", type.name())
                .put("pool", type.pool())
                .put("manufacturer", "NVIDIA")
                .put("memory", type.memoryGb())
                .put("secure", true)
                .put("community", true);
        node.putObject("price").put("secure", type.securePrice()).put("community", type.communityPrice());
        node.putObject("maxCount").put("secure", type.maxCount()).put("community", type.maxCount());
        if (withAvailability) {
            String level = availability(type.id());
            node.put("availability", level);
            if (!"NONE".equals(level)) {
                ArrayNode centers = node.putArray("dataCenters");
                type.dataCenters().forEach(dc -> centers.addObject()
                        .put("id", dc.id()).put("name", dc.name()).put("availability", level));
            }
            ArrayNode cuda = node.putArray("cudaVersions");
            CUDA_VERSIONS.forEach(v -> cuda.addObject().put("version", v).put("available", !"NONE".equals(level)));
        }
        return node;
    }
}
