package dev.trainpod.metrics;

import java.time.Instant;
import java.util.UUID;

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
 */
public record Progress(
        UUID deploymentId,
        JobPhase phase,
        JobStatus status,
        Integer step,
        Integer totalSteps,
        Double percent,
        Double loss,
        Double tokensPerSecond,
        Long etaSeconds,
        Instant lastHeartbeatAt,
        String podId,
        String reason,
        String message,
        Instant startedAt,
        Instant finishedAt,
        Instant endedAt) {
}
