package dev.trainpod.deploy.api;

import java.math.BigDecimal;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A low/high estimate of a deployment's runtime and cost on one GPU type, with the assumptions it rests on.
 *
 * @param gpuType the GPU type the estimate is for: the first of the user's candidates the catalog offers
 * @param communityCloud the same run in the COMMUNITY cloud when the request asks for SECURE and the GPU type is
 *                       offered there cheaper, with what it would save; null otherwise
 */
@Schema(description = "A low/high estimate of a deployment's runtime and cost, with its assumptions.")
public record CostEstimate(
        @Schema(description = "Runtime, in minutes.") Range runtimeMinutes,
        @Schema(description = "Cost, in USD.") Range costUsd,
        @Schema(description = "The GPU type id it is for: the first candidate RunPod offers.") String gpuType,
        @Schema(description = "The pod's price, in USD per hour.") BigDecimal pricePerHour,
        @Schema(description = "GPU memory the training needs, in GB per GPU.") Double memoryNeededGb,
        @Schema(description = "What the estimate assumes, in words.") List<String> assumptions,
        @Schema(description = "The same run in RunPod's COMMUNITY cloud, when the request asks for SECURE and the GPU"
                + " type is offered there for less: its price and the saving. Null otherwise (already COMMUNITY, not"
                + " offered there, or not cheaper).") CloudOption communityCloud) {

    /** Without a community-cloud offer (estimates stored before it existed read the same way). */
    public CostEstimate(Range runtimeMinutes, Range costUsd, String gpuType, BigDecimal pricePerHour,
                        Double memoryNeededGb, List<String> assumptions) {
        this(runtimeMinutes, costUsd, gpuType, pricePerHour, memoryNeededGb, assumptions, null);
    }

    /**
     * The run on another cloud: its price, its cost over the same runtime range, and what it saves against the
     * estimate's own cloud, with what that cloud's hosts mean for the run.
     */
    @Schema(description = "The same run on another RunPod cloud: price, cost and saving over the same runtime range.")
    public record CloudOption(
            @Schema(description = "The cloud: COMMUNITY.") String cloud,
            @Schema(description = "The pod's price there, in USD per hour (all its GPUs).") BigDecimal pricePerHour,
            @Schema(description = "The run's cost there, in USD, over the same runtime range.") Range costUsd,
            @Schema(description = "What it saves against the requested cloud, in USD (low: at the low runtime, high: at"
                    + " the high runtime); it leaves out the re-run steps of a lost pod.") Range savingUsd,
            @Schema(description = "The saving as a share of the requested cloud's price, in percent (0–100).",
                    minimum = "0", maximum = "100") BigDecimal savingPercent,
            @Schema(description = "What the cloud's hosts mean for the run, in words: community hosts are lost more"
                    + " often, and recovery resumes from the last checkpoint.") String note) {
    }

    /** Low and high bounds. */
    @Schema(description = "Low and high bounds, in the unit of the field that holds them.")
    public record Range(@Schema(description = "The low bound.") BigDecimal low,
                        @Schema(description = "The high bound.") BigDecimal high) {
    }
}
