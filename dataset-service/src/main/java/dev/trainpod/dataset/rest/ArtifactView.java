package dev.trainpod.dataset.rest;

import dev.trainpod.dataset.Artifact;
import java.time.Instant;
import java.util.UUID;

/** A complete artifact as its owner sees it. */
public record ArtifactView(UUID id, UUID deploymentId, String name, long bytes, String sha256, Instant createdAt) {

    public static ArtifactView of(Artifact artifact) {
        return new ArtifactView(artifact.id, artifact.deploymentId, artifact.name, artifact.bytes, artifact.sha256,
                artifact.createdAt);
    }
}
