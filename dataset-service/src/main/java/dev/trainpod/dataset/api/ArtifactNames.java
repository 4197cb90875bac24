package dev.trainpod.dataset.api;

import dev.trainpod.dataset.service.ArtifactDeclarations;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A pod's declaration of its final artifacts: the names it uploaded, every one of them stored complete.
 *
 * @param names the artifacts' names (empty: the trainer left no output)
 */
@Schema(description = "The pod's declaration of its final artifacts.")
public record ArtifactNames(
        @Schema(description = "Names of the artifacts uploaded, each stored complete; empty: no output.")
        @NotNull(message = "is required: the names of the artifacts uploaded, e.g. [\"adapter_model.safetensors\"]")
        @Size(max = ArtifactDeclarations.MAX_NAMES, message = "may hold at most " + ArtifactDeclarations.MAX_NAMES
                + " names")
        List<@NotNull String> names) {
}
