package dev.trainpod.common.event;

import java.util.UUID;

/** The pod reported success (its artifacts are stored): the pod must be terminated now. */
public record TrainingSucceeded(UUID deploymentId, String message) implements LifecycleEvent {
}
