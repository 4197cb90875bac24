package dev.trainpod.deploy.api;

import dev.trainpod.deploy.DeploymentTransition;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A transition as the user reads it. */
@Schema(description = "One state change of a deployment.")
public record TransitionView(@Schema(description = "The state it moved to.") String status,
                             @Schema(description = "Its failure reason, if any (e.g. FAILED_BUDGET).") String reason,
                             @Schema(description = "A human explanation, if any.") String message,
                             @Schema(description = "When (RFC 3339, UTC).") Instant at) {
    public static TransitionView of(DeploymentTransition t) {
        return new TransitionView(t.status.name(), t.reason, t.message, t.at);
    }
}
