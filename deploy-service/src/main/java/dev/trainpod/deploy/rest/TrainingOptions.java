package dev.trainpod.deploy.rest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.UUID;

/**
 * The deployment request's training options beyond the hyperparameters: evaluation, early stopping, checkpoints,
 * where the result goes and where metrics are reported. The request and the stored {@code JobSpec} share these
 * records; the pre-flight checks ({@code TrainingChecks}) hold every field to its bounds, and the trainer
 * (trainer/evaluation.py, checkpoints.py, hub.py) reads them from the job config.
 */
public final class TrainingOptions {

    private TrainingOptions() {
    }

    /** A validation set: a second dataset of the user's, or a fraction of the training set; eval loss every N steps. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Validation(UUID datasetId, @JsonDeserialize(using = RequestNumbers.Finite.class) Double fraction,
                             @JsonDeserialize(using = RequestNumbers.Whole.class) Integer everySteps) {
    }

    /** Stop once {@code patience} evaluations in a row did not lower the best eval loss by more than minDelta. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EarlyStopping(@JsonDeserialize(using = RequestNumbers.Whole.class) Integer patience,
                                @JsonDeserialize(using = RequestNumbers.Finite.class) Double minDelta) {
    }

    /** How often the trainer saves a checkpoint: every N steps or M minutes, whichever comes first. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Checkpoint(@JsonDeserialize(using = RequestNumbers.Whole.class) Integer everySteps,
                             @JsonDeserialize(using = RequestNumbers.Whole.class) Integer everyMinutes) {
    }

    /** Where the result goes besides Trainpod's storage. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Output(HuggingFace huggingface) {
    }

    /**
     * A push to the Hugging Face Hub with the user's stored token: the repository ({@code namespace/name}), whether it
     * is private (true unless false), the branch ("main"), "adapter" or "merged" weights ("adapter") and whether each
     * checkpoint is pushed as well (false).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HuggingFace(String repo, @JsonProperty("private") Boolean privateRepo, String revision,
                              String weights, Boolean pushCheckpoints) {

        /** The namespace (user or organisation) the repository belongs to. */
        @JsonIgnore
        public String namespace() {
            return repo == null || repo.indexOf('/') < 0 ? "" : repo.substring(0, repo.indexOf('/'));
        }
    }

    /** Reporting to W&B (its key sealed in the vault) and to MLflow, besides Trainpod's own metrics. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Reporting(Wandb wandb, Mlflow mlflow) {
    }

    /** A W&B project (and entity); the key is the user's stored one ({@code PUT /api/v1/secrets/wandb}). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Wandb(String project, String entity) {
    }

    /** An MLflow tracking server and experiment. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Mlflow(String trackingUri, String experiment) {
    }
}
