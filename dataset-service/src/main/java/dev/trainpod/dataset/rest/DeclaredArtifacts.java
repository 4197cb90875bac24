package dev.trainpod.dataset.rest;

import dev.trainpod.common.event.ArtifactsStored;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The answer to a declaration of final artifacts: what dataset-service holds, and since when it is declared. */
public record DeclaredArtifacts(UUID deploymentId, List<StoredArtifact> artifacts, Instant storedAt) {

    static DeclaredArtifacts of(ArtifactsStored event) {
        return new DeclaredArtifacts(event.deploymentId(), event.artifacts().stream()
                .map(a -> new StoredArtifact(a.id(), a.name(), a.bytes(), a.sha256())).toList(), event.storedAt());
    }
}
