package dev.trainpod.deploy.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.JobSpec;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A model the user trained (a succeeded deployment) with its lineage: the base model, method and adapter, the dataset
 * (id and SHA-256 at acceptance) and validation set, every hyperparameter it trained with (defaults filled in), what
 * it cost, and where it lives: Trainpod's artifacts and, when pushed, the Hugging Face repository.
 *
 * @param hyperparameters the values the trainer used, the request's and the defaults
 * @param evalLoss        the best eval loss the run reported (its output is that checkpoint), when it evaluated
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelView(UUID id, String baseModel, String method, String adapter, UUID datasetId,
                        String datasetSha256, TrainingOptions.Validation validation,
                        Map<String, Object> hyperparameters, Double evalLoss, BigDecimal costUsd, String gpuType,
                        Integer gpuCount, Instant trainedAt, Location location) {

    /** Where the model's files are: Trainpod's artifact list, and the Hub repository when it was pushed. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Location(String artifacts, String huggingface) {
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
