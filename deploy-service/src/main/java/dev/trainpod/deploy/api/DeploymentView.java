package dev.trainpod.deploy.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentAttempt;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A deployment as the user sees it, with the cost estimate made when it was accepted; a recovered deployment shows
 * how many lost pods were replaced and, in the answer for one deployment, each pod it ran on ({@code attempts},
 * null in lists).
 */
@Schema(description = "A deployment: its state, its pod, what it cost.")
public record DeploymentView(
        @Schema(description = "The deployment's id.") UUID id,
        @Schema(description = "State: PENDING, WAITING_FOR_CAPACITY, PROVISIONING, STARTING, RUNNING, RECOVERING (a lost pod is"
                + " replaced), then one of"
                + " SUCCEEDED, FAILED, CANCELLED (more may be added; treat unknown ones as not ended).") String status,
        @Schema(description = "Why it ended without success: a failure reason such as FAILED_BUDGET (page:"
                + " /problems/codes/<reason>); null otherwise.") String reason,
        @Schema(description = "A human explanation of the last state change, when there is one.") String message,
        @Schema(description = "The trainer's process exit code (0–255), once known.") Integer exitCode,
        @Schema(description = "The last lines of the trainer's log when it failed.") String logTail,
        @Schema(description = "The dataset it trains on.") UUID datasetId,
        @Schema(description = "Hugging Face model id.") String baseModel,
        @Schema(description = "SFT or DPO.") String method,
        @Schema(description = "RunPod's pod id, once a pod was created.") String podId,
        @Schema(description = "The RunPod GPU type id the pod runs on.") String gpuType,
        @Schema(description = "GPUs per pod, 1–16.") Integer gpuCount,
        @Schema(description = "SECURE or COMMUNITY.") String cloud,
        @Schema(description = "The pod's price, in USD per hour (all its GPUs).") BigDecimal costPerHour,
        @Schema(description = "What it has cost so far, in USD.") BigDecimal costUsd,
        @Schema(description = "Seconds billed so far.", minimum = "0") Long billedSeconds,
        @Schema(description = "When it was accepted (RFC 3339, UTC).") Instant createdAt,
        @Schema(description = "When it ended, if it has.") Instant endedAt,
        @Schema(description = "When its pod was confirmed terminated (no longer billing), if it was.")
        Instant podTerminatedAt,
        @Schema(description = "The cost estimate made when it was accepted (the shape of POST /api/v1/estimates).",
                implementation = Object.class) JsonNode estimate,
        @Schema(description = "The deployment this one retries, if it is a retry.") UUID retryOf,
        @Schema(description = "How many lost pods were replaced (limits.maxRecoveries).", minimum = "0")
        int recoveries,
        @Schema(description = "Each pod it ran on that has ended, first to last; in the answer for one deployment"
                + " only (null in lists).") List<Attempt> attempts,
        @Schema(description = "The newest checkpoint its pods stored off the pod (a new pod resumes from it); null"
                + " until one is stored.") LastCheckpoint lastCheckpoint) {

    /** The newest checkpoint stored off the pod: its step and when dataset-service stored it. */
    @Schema(description = "The newest checkpoint stored off the pod.")
    public record LastCheckpoint(
            @Schema(description = "The training step it holds.", minimum = "1") int step,
            @Schema(description = "When it was stored (RFC 3339, UTC); its age is now minus this.") Instant storedAt) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One pod the deployment ran on, ended: its GPU, price, billed time and cost, and why it ended. */
    @Schema(description = "A pod the deployment ran on: endReason LOST (replaced by a recovery), or how the"
            + " deployment ended.")
    public record Attempt(
            @Schema(description = "1 for the first pod, then one more per recovery.", minimum = "1") int attempt,
            @Schema(description = "RunPod's pod id.") String podId,
            @Schema(description = "The RunPod GPU type id the pod ran on.") String gpuType,
            @Schema(description = "GPUs of the pod.") Integer gpuCount,
            @Schema(description = "SECURE or COMMUNITY.") String cloud,
            @Schema(description = "The pod's price, in USD per hour.") BigDecimal costPerHour,
            @Schema(description = "When the pod was created.") Instant startedAt,
            @Schema(description = "When the pod was confirmed terminated.") Instant endedAt,
            @Schema(description = "Seconds the pod billed.", minimum = "0") long billedSeconds,
            @Schema(description = "What the pod cost, in USD.") BigDecimal costUsd,
            @Schema(description = "LOST (the pod was lost and replaced), or the deployment's end status and"
                    + " reason, e.g. SUCCEEDED or FAILED FAILED_BUDGET.") String endReason,
            @Schema(description = "The checkpoint step the pod resumed from; null: it started from the beginning.",
                    minimum = "1") Integer resumedFromStep,
            @Schema(description = "Training steps the pod added beyond the checkpoint it resumed from: up to the last"
                    + " step for the pod that finished the run, else up to the last checkpoint it stored (steps after"
                    + " it were lost with the pod and trained again). Null for pods recorded before it was kept.",
                    minimum = "0") Integer stepsGained) {

        static Attempt of(DeploymentAttempt a) {
            return new Attempt(a.attempt, a.podId, a.gpuType, a.gpuCount, a.cloud, a.costPerHour, a.startedAt,
                    a.endedAt, a.billedSeconds, a.costUsd, a.endReason, a.resumedFromStep, a.stepsGained);
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
                d.recoveries, attempts == null ? null : attempts.stream().map(Attempt::of).toList(),
                d.lastCheckpointStep == null ? null : new LastCheckpoint(d.lastCheckpointStep, d.lastCheckpointAt));
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
