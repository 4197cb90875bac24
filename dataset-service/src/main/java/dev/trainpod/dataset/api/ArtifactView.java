package dev.trainpod.dataset.api;

import dev.trainpod.dataset.Artifact;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A complete artifact as its owner sees it. */
@Schema(description = "A complete artifact.")
public record ArtifactView(@Schema(description = "The artifact's id.") UUID id,
                           @Schema(description = "The deployment whose pod stored it.") UUID deploymentId,
                           @Schema(description = "Its file name.") String name,
                           @Schema(description = "Its size, in bytes.", minimum = "0") long bytes,
                           @Schema(description = "SHA-256, 64 hex characters.") String sha256,
                           @Schema(description = "When it was complete (RFC 3339, UTC).") Instant createdAt) {

    public static ArtifactView of(Artifact artifact) {
        return new ArtifactView(artifact.id, artifact.deploymentId, artifact.name, artifact.bytes, artifact.sha256,
                artifact.createdAt);
    }
}
