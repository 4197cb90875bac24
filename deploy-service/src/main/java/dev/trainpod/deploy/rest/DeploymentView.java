package dev.trainpod.deploy.rest;

import dev.trainpod.deploy.Deployment;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A deployment as the user sees it. */
public record DeploymentView(UUID id, String status, String reason, String message, Integer exitCode, String logTail,
                             UUID datasetId, String baseModel, String method, String podId, String gpuType,
                             Integer gpuCount, String cloud, BigDecimal costPerHour, BigDecimal costUsd,
                             Long billedSeconds, Instant createdAt, Instant endedAt, Instant podTerminatedAt) {

    public static DeploymentView of(Deployment d) {
        return new DeploymentView(d.id, d.status.name(), d.reason, d.message, d.exitCode, d.logTail, d.datasetId,
                d.baseModel, d.method, d.podId, d.gpuType, d.gpuCount, d.cloud, d.costPerHour, d.costUsd,
                d.billedSeconds, d.createdAt, d.endedAt, d.podTerminatedAt);
    }
}
