package dev.trainpod.deploy.service;

import java.math.BigDecimal;
import java.util.List;

/**
 * A low/high estimate of a deployment's runtime and cost on one GPU type, with the assumptions it rests on.
 *
 * @param gpuType the GPU type the estimate is for: the first of the user's candidates the catalog offers
 */
public record CostEstimate(Range runtimeMinutes, Range costUsd, String gpuType, BigDecimal pricePerHour,
                           Double memoryNeededGb, List<String> assumptions) {

    /** Low and high bounds. */
    public record Range(BigDecimal low, BigDecimal high) {
    }
}
