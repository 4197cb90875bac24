package dev.trainpod.common.event;

import java.math.BigDecimal;
import java.util.UUID;

/** The deployment reached its final status and its pod is confirmed terminated. */
public record DeploymentEnded(
        UUID deploymentId,
        String status,
        String reason,
        long billedSeconds,
        BigDecimal costUsd) implements LifecycleEvent {
}
