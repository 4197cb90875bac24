package dev.trainpod.common.event;

import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;

/**
 * A deployment was accepted after its pre-flight checks: dataset-service opens the dataset grant,
 * metrics-service starts expecting the job and learns its owner.
 */
public record DeploymentRequested(
        UUID deploymentId,
        String userId,
        UUID datasetId,
        String baseModel,
        String method,
        List<String> gpuTypes,
        Integer maxRuntimeMinutes,
        BigDecimal maxCostUsd,
        Integer idleMinutes,
        Integer totalSteps) implements LifecycleEvent {
}
