package dev.trainpod.deploy.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The RunPod REST API v2 shapes Trainpod reads and writes, with RunPod's field names. */
public final class RunPodModels {

    private RunPodModels() {
    }

    /** Body of {@code POST /v2/pods}; RunPod rejects unknown fields, so only set fields are sent. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreatePod(String name, String image, Gpu gpu, String cloud, Integer disk, String args,
                            Map<String, String> env) {
    }

    /** A GPU request or placement: catalog id and count. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Gpu(String id, Integer count) {
    }

    /**
     * A pod as RunPod reports it; {@code cost} is USD per hour, 0 once exited or terminated; {@code runtime} is null
     * unless the pod is running (and for a while after it starts).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pod(String id, String name, String status, Gpu gpu, String cloud, BigDecimal cost,
                      Instant createdAt, Instant startedAt, Runtime runtime) {
    }

    /** Live metrics of a running pod: uptime in seconds and the utilisation of each GPU in percent. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Runtime(Long uptime, List<GpuUtil> gpus) {
    }

    /** One GPU's utilisation and memory utilisation, in percent. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record GpuUtil(Double util, Double memoryUtil) {
    }

    /** {@code GET /v2/pods}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PodList(List<Pod> pods, Pagination pagination) {
    }

    /** The cursor of a paginated list. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pagination(String nextCursor, Boolean hasNextPage) {
    }

    /** {@code GET /v2/catalog/gpus}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record GpuCatalog(List<CatalogGpu> gpus) {
    }

    /** One GPU type of the catalog: memory in GB, prices per GPU-hour, availability HIGH/MEDIUM/LOW/NONE. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @Schema(description = "One GPU type of RunPod's catalog.")
    public record CatalogGpu(
            @Schema(description = "The id to use in gpu.types.", example = "NVIDIA RTX A4000") String id,
            @Schema(description = "Display name.") String name,
            @Schema(description = "Memory per GPU, in GB.") Integer memory,
            @Schema(description = "Offered in the SECURE cloud.") Boolean secure,
            @Schema(description = "Offered in the COMMUNITY cloud.") Boolean community,
            @Schema(description = "Price per GPU-hour, in USD, per cloud.") Price price,
            @Schema(description = "Most GPUs of this type per pod, per cloud.") MaxCount maxCount,
            @Schema(description = "Capacity now: HIGH, MEDIUM, LOW or NONE.") String availability) {

        /** The hourly price of one GPU on the given cloud. */
        public BigDecimal priceFor(String cloud) {
            if (price == null) {
                return null;
            }
            return "COMMUNITY".equals(cloud) ? price.community() : price.secure();
        }

        /** The most GPUs of this type one pod may have on the given cloud, if RunPod says. */
        public Integer maxCountFor(String cloud) {
            if (maxCount == null) {
                return null;
            }
            return "COMMUNITY".equals(cloud) ? maxCount.community() : maxCount.secure();
        }
    }

    /** The most GPUs per pod, per cloud. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @Schema(description = "The most GPUs of a type per pod, per cloud.")
    public record MaxCount(@Schema(description = "Most GPUs per pod in SECURE.") Integer secure,
                           @Schema(description = "Most GPUs per pod in COMMUNITY.") Integer community) {
    }

    /** Hourly prices per cloud. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @Schema(description = "A GPU type's hourly price per GPU, in USD, per cloud.")
    public record Price(@Schema(description = "USD per GPU-hour in SECURE.") BigDecimal secure,
                        @Schema(description = "USD per GPU-hour in COMMUNITY.") BigDecimal community) {
    }
}
