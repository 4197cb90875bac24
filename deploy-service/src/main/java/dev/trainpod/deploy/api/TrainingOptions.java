package dev.trainpod.deploy.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The deployment request's training options beyond the hyperparameters: evaluation, early stopping, checkpoints,
 * where the result goes and where metrics are reported. The request and the stored {@code JobSpec} share these
 * records; the pre-flight checks ({@code TrainingChecks}) hold every field to its bounds, and the trainer
 * (pod/trainer/evaluation.py, checkpoints.py, hub.py) reads them from the job config.
 */
public final class TrainingOptions {

    private TrainingOptions() {
    }

    /** A validation set: a second dataset of the user's, or a fraction of the training set; eval loss every N steps. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "A validation set: a second dataset of yours or a share of the training set.")
    public record Validation(
            @Schema(description = "Id of a second dataset of yours, of the training set's kind.") UUID datasetId,
            @Schema(description = "Share of the training rows held out, above 0 and at most 0.5.")
            @JsonDeserialize(using = RequestNumbers.Finite.class) Double fraction,
            @Schema(description = "Eval loss every N steps, 1–1000000; default 50.")
            @JsonDeserialize(using = RequestNumbers.Whole.class) Integer everySteps) {
    }

    /** Stop once {@code patience} evaluations in a row did not lower the best eval loss by more than minDelta. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "Early stopping on eval loss; needs validation.")
    public record EarlyStopping(
            @Schema(description = "Evaluations in a row without a gain before training stops, 1–100; default 3.")
            @JsonDeserialize(using = RequestNumbers.Whole.class) Integer patience,
            @Schema(description = "How much lower the eval loss must get to count as a gain, 0–10; default 0.")
            @JsonDeserialize(using = RequestNumbers.Finite.class) Double minDelta) {
    }

    /** How often the trainer saves a checkpoint: every N steps or M minutes, whichever comes first. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "When the trainer checkpoints: every N steps or M minutes, whichever first.")
    public record Checkpoint(
            @Schema(description = "Steps between checkpoints, 1–1000000; default hyperparameters.saveSteps.")
            @JsonDeserialize(using = RequestNumbers.Whole.class) Integer everySteps,
            @Schema(description = "Minutes between checkpoints, 1–1440; default a tenth of the estimate, 5–30.")
            @JsonDeserialize(using = RequestNumbers.Whole.class) Integer everyMinutes) {
    }

    /** Where the result goes besides Trainpod's storage. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "Where the result goes besides Trainpod's storage.")
    public record Output(@Schema(description = "A push to the Hugging Face Hub.") HuggingFace huggingface) {
    }

    /**
     * A push to the Hugging Face Hub with the user's stored token: the repository ({@code namespace/name}), whether it
     * is private (true unless false), the branch ("main"), "adapter" or "merged" weights ("adapter") and whether each
     * checkpoint is pushed as well (false).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "A push to the Hugging Face Hub with your stored token (write access checked first).")
    public record HuggingFace(
            @Schema(description = "The repository, namespace/name.", example = "alice/qwen-support-lora") String repo,
            @Schema(description = "Whether a new repository is private; default true.") @JsonProperty("private")
            Boolean privateRepo,
            @Schema(description = "The branch; default main.") String revision,
            @Schema(description = "adapter (default) or merged.") String weights,
            @Schema(description = "Push every checkpoint as well; default false.") Boolean pushCheckpoints) {

        /** The namespace (user or organisation) the repository belongs to. */
        @JsonIgnore
        public String namespace() {
            return repo == null || repo.indexOf('/') < 0 ? "" : repo.substring(0, repo.indexOf('/'));
        }
    }

    /** Reporting to W&B (its key sealed in the vault) and to MLflow, besides Trainpod's own metrics. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "Reporting besides Trainpod's metrics.")
    public record Reporting(@Schema(description = "Report to W&B.") Wandb wandb,
                            @Schema(description = "Report to MLflow.") Mlflow mlflow) {
    }

    /** A W&B project (and entity); the key is the user's stored one ({@code PUT /api/v1/secrets/wandb}). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "A W&B project; the key is your stored one.")
    public record Wandb(@Schema(description = "The W&B project; required.") String project,
                        @Schema(description = "The W&B entity (team), when not your default.") String entity) {
    }

    /** An MLflow tracking server and experiment. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "An MLflow tracking server.")
    public record Mlflow(@Schema(description = "The tracking server's http(s) URL.") String trackingUri,
                         @Schema(description = "The experiment's name.") String experiment) {
    }
}
