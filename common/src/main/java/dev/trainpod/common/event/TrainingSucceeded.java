package dev.trainpod.common.event;

import java.util.UUID;

/**
 * The pod reported success (its artifacts are stored): the pod must be terminated now.
 *
 * @param bestEvalLoss the lowest eval loss the run reported (its output is that checkpoint when it evaluated), or
 *                     null when it did not evaluate
 * @param lastStep     the highest training step the run reported, or null when it reported none
 */
public record TrainingSucceeded(UUID deploymentId, String message, Double bestEvalLoss, Integer lastStep)
        implements LifecycleEvent {

    /** A success without evaluation. */
    public TrainingSucceeded(UUID deploymentId, String message) {
        this(deploymentId, message, null, null);
    }

    /** A success whose last step is not known. */
    public TrainingSucceeded(UUID deploymentId, String message, Double bestEvalLoss) {
        this(deploymentId, message, bestEvalLoss, null);
    }
}
