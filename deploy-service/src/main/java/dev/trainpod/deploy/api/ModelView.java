package dev.trainpod.deploy.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.JobSpec;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A model the user trained (a succeeded deployment) with its lineage: the base model, method and adapter, the dataset
 * (id and SHA-256 at acceptance) and validation set, every hyperparameter it trained with (defaults filled in), what
 * it cost, and where it lives: Trainpod's artifacts and, when pushed, the Hugging Face repository.
 *
 * @param hyperparameters the values the trainer used, the request's and the defaults
 * @param evalLoss        the best eval loss the run reported (its output is that checkpoint), when it evaluated
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "A model you trained (a succeeded deployment) with its lineage.")
public record ModelView(
        @Schema(description = "The deployment that trained it.") UUID id,
        @Schema(description = "The Hugging Face model it was fine-tuned from.") String baseModel,
        @Schema(description = "SFT or DPO.") String method,
        @Schema(description = "lora, qlora or full.") String adapter,
        @Schema(description = "The training dataset's id.") UUID datasetId,
        @Schema(description = "The training dataset's SHA-256 when the deployment was accepted.") String datasetSha256,
        @Schema(description = "The validation set, when it evaluated.") TrainingOptions.Validation validation,
        @Schema(description = "Every hyperparameter it trained with, defaults filled in.")
        Map<String, Object> hyperparameters,
        @Schema(description = "The best eval loss the run reported (the output is that checkpoint).") Double evalLoss,
        @Schema(description = "What it cost, USD.") BigDecimal costUsd,
        @Schema(description = "The GPU type it trained on.") String gpuType,
        @Schema(description = "GPUs per pod.") Integer gpuCount,
        @Schema(description = "When training ended.") Instant trainedAt,
        @Schema(description = "Where the model's files are.") Location location) {

    /** Where the model's files are: Trainpod's artifact list, and the Hub repository when it was pushed. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "Where a model's files are.")
    public record Location(
            @Schema(description = "Trainpod's artifact list of the deployment.") String artifacts,
            @Schema(description = "The Hugging Face repository's tree, when it was pushed.") String huggingface) {
    }

    /** The view of a succeeded deployment; {@code hyperparameters} are its resolved ones. */
    public static ModelView of(Deployment d, Map<String, Object> hyperparameters) {
        JobSpec spec = d.spec();
        TrainingOptions.HuggingFace hub = spec.output() == null ? null : spec.output().huggingface();
        String hubUrl = hub == null ? null : "https://huggingface.co/" + hub.repo() + "/tree/"
                + (hub.revision() == null ? "main" : hub.revision());
        return new ModelView(d.id, d.baseModel, d.method, String.valueOf(hyperparameters.get("adapter")), d.datasetId,
                d.datasetSha256, spec.validation(), hyperparameters, d.evalLoss, d.costUsd, d.gpuType, d.gpuCount,
                d.endedAt, new Location("/api/v1/artifacts?deploymentId=" + d.id, hubUrl));
    }
}
