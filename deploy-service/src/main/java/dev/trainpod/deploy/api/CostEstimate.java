package dev.trainpod.deploy.api;

import java.math.BigDecimal;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A low/high estimate of a deployment's runtime and cost on one GPU type, with the assumptions it rests on.
 *
 * @param gpuType the GPU type the estimate is for: the first of the user's candidates the catalog offers
 */
@Schema(description = "A low/high estimate of a deployment's runtime and cost, with its assumptions.")
public record CostEstimate(
        @Schema(description = "Runtime, in minutes.") Range runtimeMinutes,
        @Schema(description = "Cost, in USD.") Range costUsd,
        @Schema(description = "The GPU type id it is for: the first candidate RunPod offers.") String gpuType,
        @Schema(description = "The pod's price, in USD per hour.") BigDecimal pricePerHour,
        @Schema(description = "GPU memory the training needs, in GB per GPU.") Double memoryNeededGb,
        @Schema(description = "What the estimate assumes, in words.") List<String> assumptions) {

    /** Low and high bounds. */
    @Schema(description = "Low and high bounds, in the unit of the field that holds them.")
    public record Range(@Schema(description = "The low bound.") BigDecimal low,
                        @Schema(description = "The high bound.") BigDecimal high) {
    }
}
