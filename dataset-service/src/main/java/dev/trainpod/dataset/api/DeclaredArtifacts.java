package dev.trainpod.dataset.api;

import dev.trainpod.common.event.ArtifactsStored;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The answer to a declaration of final artifacts: what dataset-service holds, and since when it is declared. */
@Schema(description = "The final artifacts of a deployment, as declared.")
public record DeclaredArtifacts(@Schema(description = "The deployment.") UUID deploymentId,
                                @Schema(description = "The artifacts declared final.") List<StoredArtifact> artifacts,
                                @Schema(description = "When they were first declared.") Instant storedAt) {

    public static DeclaredArtifacts of(ArtifactsStored event) {
        return new DeclaredArtifacts(event.deploymentId(), event.artifacts().stream()
                .map(a -> new StoredArtifact(a.id(), a.name(), a.bytes(), a.sha256())).toList(), event.storedAt());
    }
}
