package dev.trainpod.deploy.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentAttempt;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A deployment as the user sees it, with the cost estimate made when it was accepted; a recovered deployment shows
 * how many lost pods were replaced and, in the answer for one deployment, each pod it ran on ({@code attempts},
 * null in lists).
 */
public record DeploymentView(UUID id, String status, String reason, String message, Integer exitCode, String logTail,
                             UUID datasetId, String baseModel, String method, String podId, String gpuType,
                             Integer gpuCount, String cloud, BigDecimal costPerHour, BigDecimal costUsd,
                             Long billedSeconds, Instant createdAt, Instant endedAt, Instant podTerminatedAt,
                             JsonNode estimate, UUID retryOf, int recoveries, List<Attempt> attempts) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One pod the deployment ran on, ended: its GPU, price, billed time and cost, and why it ended. */
    public record Attempt(int attempt, String podId, String gpuType, Integer gpuCount, String cloud,
                          BigDecimal costPerHour, Instant startedAt, Instant endedAt, long billedSeconds,
                          BigDecimal costUsd, String endReason) {

        static Attempt of(DeploymentAttempt a) {
            return new Attempt(a.attempt, a.podId, a.gpuType, a.gpuCount, a.cloud, a.costPerHour, a.startedAt,
                    a.endedAt, a.billedSeconds, a.costUsd, a.endReason);
        }
    }

    public static DeploymentView of(Deployment d) {
        return of(d, null);
    }

    /** The deployment with its ended attempts ({@code null}: not read). */
    public static DeploymentView of(Deployment d, List<DeploymentAttempt> attempts) {
        return new DeploymentView(d.id, d.status.name(), d.reason, d.message, d.exitCode, d.logTail, d.datasetId,
                d.baseModel, d.method, d.podId, d.gpuType, d.gpuCount, d.cloud, d.costPerHour, d.costUsd,
                d.billedSeconds, d.createdAt, d.endedAt, d.podTerminatedAt, estimate(d.estimate), d.retryOf,
                d.recoveries, attempts == null ? null : attempts.stream().map(Attempt::of).toList());
    }

    /** The stored estimate as JSON; it was written by this service, so it always reads. */
    private static JsonNode estimate(String stored) {
        if (stored == null) {
            return null;
        }
        try {
            return JSON.readTree(stored);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
