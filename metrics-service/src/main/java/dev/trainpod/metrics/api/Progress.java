package dev.trainpod.metrics.api;

import dev.trainpod.metrics.JobPhase;
import dev.trainpod.metrics.JobStatus;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A job's progress as its owner sees it.
 *
 * @param phase the pod's last reported phase; null until it reports one
 * @param status {@code ACTIVE}, {@code SUCCEEDED}, {@code FAILED} or {@code ENDED}
 * @param step the highest step reported so far
 * @param percent 0 to 100; null while the total number of steps is unknown
 * @param loss the loss of the latest point that has one
 * @param etaSeconds seconds left at the recent step rate; null while it cannot be measured
 * @param reason why the job failed or ended, when it did
 * @param lastCheckpointStep the step of the newest checkpoint stored off the pod, once one is
 * @param lastCheckpointAgeSeconds how long ago it was stored, at the time of the answer
 */
@Schema(description = "A job's progress as its owner sees it.")
public record Progress(
        @Schema(description = "The deployment (and job) id.") UUID deploymentId,
        @Schema(description = "The pod's last reported phase; null until it reports one.") JobPhase phase,
        @Schema(description = "ACTIVE, SUCCEEDED, FAILED or ENDED.") JobStatus status,
        @Schema(description = "The highest step reported so far.", minimum = "0") Integer step,
        @Schema(description = "How many steps training takes, once known.", minimum = "1") Integer totalSteps,
        @Schema(description = "Percent done, 0–100; null while totalSteps is unknown.", minimum = "0", maximum = "100")
        Double percent,
        @Schema(description = "The loss of the latest point that has one.") Double loss,
        @Schema(description = "Training throughput, in tokens per second.") Double tokensPerSecond,
        @Schema(description = "Seconds left at the recent step rate; null while it cannot be measured.", minimum = "0")
        Long etaSeconds,
        @Schema(description = "When the pod last sent a heartbeat (RFC 3339, UTC).") Instant lastHeartbeatAt,
        @Schema(description = "RunPod's pod id, once known.") String podId,
        @Schema(description = "Why the job failed or ended, when it did (a failure reason).") String reason,
        @Schema(description = "A human message about the outcome.") String message,
        @Schema(description = "When training started.") Instant startedAt,
        @Schema(description = "When the pod reported its outcome.") Instant finishedAt,
        @Schema(description = "When the deployment ended.") Instant endedAt,
        @Schema(description = "The step of the newest checkpoint stored off the pod (a lost pod's replacement resumes"
                + " from it); null until one is stored.", minimum = "1") Integer lastCheckpointStep,
        @Schema(description = "When that checkpoint was stored (RFC 3339, UTC).") Instant lastCheckpointAt,
        @Schema(description = "Its age when this answer was made, in seconds.", minimum = "0")
        Long lastCheckpointAgeSeconds) {
}
