package dev.trainpod.common.event;

import java.time.Instant;
import java.util.UUID;

/**
 * A checkpoint the deployment's pod uploaded is stored, complete and checked, at dataset-service: a pod that replaces
 * a lost one resumes from the newest. Published by dataset-service through its outbox, in the transaction that
 * completes the checkpoint artifact ({@code checkpoint-<step>.tar}).
 *
 * @param step     the training step the checkpoint holds
 * @param name     the artifact's name, {@code checkpoint-<step>.tar}
 * @param storedAt when dataset-service completed it
 */
public record CheckpointStored(UUID deploymentId, int step, String name, Instant storedAt) implements LifecycleEvent {
}
