package dev.trainpod.deploy.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What the user may know of a stored secret: whether one is stored, and its last four characters. */
@Schema(description = "Whether a secret is stored, never the secret.")
public record KeyStatus(@Schema(description = "Whether one is stored.") boolean configured,
                        @Schema(description = "Its last 4 characters, when stored.") String last4) {
}
