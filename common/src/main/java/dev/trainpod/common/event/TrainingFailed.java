package dev.trainpod.common.event;

import java.util.UUID;

/**
 * The job failed for good: the pod must be terminated now and the dataset tokens revoked.
 *
 * @param reason one of {@link FailureReason}'s names
 * @param exitCode the trainer's or bootstrap's exit code where one is known
 * @param logTail the last lines the pod printed, kept as the evidence of the failure
 */
public record TrainingFailed(
        UUID deploymentId,
        String reason,
        String message,
        Integer exitCode,
        String logTail) implements LifecycleEvent {
}
