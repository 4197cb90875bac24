package dev.trainpod.deploy.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.deploy.Deployment;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A deployment as the user sees it, with the cost estimate made when it was accepted. */
public record DeploymentView(UUID id, String status, String reason, String message, Integer exitCode, String logTail,
                             UUID datasetId, String baseModel, String method, String podId, String gpuType,
                             Integer gpuCount, String cloud, BigDecimal costPerHour, BigDecimal costUsd,
                             Long billedSeconds, Instant createdAt, Instant endedAt, Instant podTerminatedAt,
                             JsonNode estimate, UUID retryOf) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static DeploymentView of(Deployment d) {
        return new DeploymentView(d.id, d.status.name(), d.reason, d.message, d.exitCode, d.logTail, d.datasetId,
                d.baseModel, d.method, d.podId, d.gpuType, d.gpuCount, d.cloud, d.costPerHour, d.costUsd,
                d.billedSeconds, d.createdAt, d.endedAt, d.podTerminatedAt, estimate(d.estimate), d.retryOf);
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
