package dev.trainpod.common.event;

import java.math.BigDecimal;
import java.util.UUID;

/** The provider created the deployment's pod; it bills from now on. */
public record PodStarted(
        UUID deploymentId,
        String podId,
        String gpuType,
        int gpuCount,
        String cloud,
        BigDecimal costPerHour) implements LifecycleEvent {
}
