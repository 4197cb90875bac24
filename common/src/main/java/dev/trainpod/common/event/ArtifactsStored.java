package dev.trainpod.common.event;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The pod declared its artifacts final and dataset-service holds every one of them, complete and checked: the
 * job's results are safe, so no later watchdog may record the job as failed (a lost heartbeat or a vanished pod
 * after this point ends it as succeeded). Published by dataset-service once per deployment, through its outbox, in
 * the transaction that records the declaration.
 *
 * @param artifacts the stored artifacts, in the order the pod named them (empty: the trainer left no output)
 * @param storedAt when dataset-service recorded the declaration
 */
public record ArtifactsStored(UUID deploymentId, List<Artifact> artifacts, Instant storedAt)
        implements LifecycleEvent {

    public ArtifactsStored {
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
    }

    /** One stored artifact: its id at dataset-service, name, size and SHA-256 (hex). */
    public record Artifact(UUID id, String name, long bytes, String sha256) {
    }
}
