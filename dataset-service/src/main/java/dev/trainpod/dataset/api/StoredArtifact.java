package dev.trainpod.dataset.api;

import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The pod's receipt for a complete artifact (201). */
@Schema(description = "A complete artifact stored for the pod.")
public record StoredArtifact(@Schema(description = "The artifact's id.") UUID id,
                             @Schema(description = "Its file name.") String name,
                             @Schema(description = "Its size, in bytes.", minimum = "0") long bytes,
                             @Schema(description = "SHA-256, 64 hex characters.") String sha256) {
}
