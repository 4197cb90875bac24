package dev.trainpod.common.problem;

import dev.trainpod.common.event.FailureReason;
import java.util.Arrays;
import java.util.Optional;

/**
 * Every code Trainpod answers with inside a problem's {@code errors} (pre-flight codes and other field codes) and
 * every failure reason a deployment can end with: what happened and what to do. The problem pages
 * ({@code /problems/codes/<CODE>}) and the README table are generated from it; {@code ProblemCatalogTest} fails
 * when a code used by a service, or a {@link FailureReason}, is missing here.
 */
public enum CodeCatalog {

    // --- pre-flight (422 preflight-failed / estimate-failed) ---
    DATASET_REQUIRED(Kind.PREFLIGHT, "The request names no dataset (`datasetId`).",
            "Upload a dataset with POST /api/v1/datasets and pass its id."),
    DATASET_NOT_FOUND(Kind.PREFLIGHT, "No dataset of yours has this id.",
            "List yours with GET /api/v1/datasets."),
    DATASET_INVALID(Kind.PREFLIGHT, "The dataset failed validation, so no deployment may train on it.",
            "Read its errors with GET /api/v1/datasets/{id}, fix those lines and upload it again."),
    DATASET_METHOD_MISMATCH(Kind.PREFLIGHT, "The dataset's format cannot train with the method asked for.",
            "DPO needs rows with prompt, chosen and rejected; SFT takes messages, prompt/completion or text."),
    BASE_MODEL_REQUIRED(Kind.PREFLIGHT, "The request names no base model (`baseModel`).",
            "Name a Hugging Face model, e.g. \"Qwen/Qwen2.5-0.5B\"."),
    METHOD_INVALID(Kind.PREFLIGHT, "`method` is neither SFT nor DPO.", "Use \"SFT\" or \"DPO\"."),
    GPU_TYPES_REQUIRED(Kind.PREFLIGHT, "`gpu.types` lists no GPU type id.",
            "See GET /api/v1/gpu-types for the ids, e.g. \"NVIDIA RTX A4000\"."),
    GPU_TYPE_UNKNOWN(Kind.PREFLIGHT, "RunPod has no GPU type with this id.",
            "Use an id from GET /api/v1/gpu-types (ids, not display names)."),
    GPU_COUNT_INVALID(Kind.PREFLIGHT, "`gpu.count` is not between 1 and 16: a pod's GPUs are on one machine.",
            "Omit gpu.count for one GPU; GET /api/v1/gpu-types shows how many each type allows (maxCount)."),
    GPU_COUNT_TOO_HIGH(Kind.PREFLIGHT, "A GPU type allows fewer GPUs per pod in this cloud than `gpu.count`.",
            "Lower gpu.count or choose a GPU type with more memory."),
    GPU_MEMORY_TOO_SMALL(Kind.PREFLIGHT, "The model, adapter and method need more GPU memory than this type has.",
            "Choose a GPU type with more memory, a smaller model, or hyperparameters.adapter lora/qlora."),
    GPU_UNAVAILABLE(Kind.PREFLIGHT, "None of the GPU types asked for has capacity at RunPod right now.",
            "Add GPU types to gpu.types, try the other cloud, or set limits.capacityWaitMinutes to wait."),
    GPU_CATALOG_UNAVAILABLE(Kind.PREFLIGHT, "RunPod's GPU catalog could not be read; nothing was started.",
            "Try again in a minute."),
    CLOUD_INVALID(Kind.PREFLIGHT, "`gpu.cloud` is neither SECURE nor COMMUNITY.",
            "SECURE (the default) runs in RunPod's data centers; COMMUNITY is cheaper, on hosts of others."),
    MAX_RUNTIME_INVALID(Kind.PREFLIGHT, "`limits.maxRuntimeMinutes` is missing or outside its range (minutes).",
            "Give the longest the pod may run, in minutes; it is terminated when reached."),
    MAX_COST_INVALID(Kind.PREFLIGHT,
            "`limits.maxCostUsd` is missing, not above 0, above the maximum, or has more than 6 decimal places.",
            "Give the most the deployment may cost, in USD; the pod is terminated when its cost reaches it."),
    IDLE_MINUTES_INVALID(Kind.PREFLIGHT, "`limits.idleMinutes` is outside 1–1440 minutes.",
            "Omit it, or give how long the GPUs may stay idle before the pod is terminated."),
    CAPACITY_WAIT_INVALID(Kind.PREFLIGHT, "`limits.capacityWaitMinutes` is outside 0–1440 minutes.",
            "Omit it (0: fail at once), or give how long to keep trying when no GPU type has capacity."),
    MAX_RECOVERIES_INVALID(Kind.PREFLIGHT, "`limits.maxRecoveries` is outside 0–10.",
            "Omit it (2 lost pods replaced), give 0 to turn recovery off, or at most 10."),
    ESTIMATE_ABOVE_BUDGET(Kind.PREFLIGHT, "Even the low cost estimate is above `limits.maxCostUsd`.",
            "Raise limits.maxCostUsd to the high estimate, or train less; POST /api/v1/estimates shows why."),
    RUNPOD_KEY_MISSING(Kind.PREFLIGHT, "No RunPod API key is stored for you.",
            "Store one with PUT /api/v1/secrets/runpod; create it in the RunPod console under Settings > API Keys."),
    RUNPOD_KEY_REJECTED(Kind.PREFLIGHT, "RunPod rejected the RunPod API key.",
            "Create a key with read/write access in the RunPod console and store it again."),
    RUNPOD_KEY_MALFORMED(Kind.FIELD, "The value sent does not look like a RunPod API key.",
            "Copy the key from the RunPod console (Settings > API Keys)."),
    HUGGINGFACE_TOKEN_MALFORMED(Kind.FIELD, "The value sent does not look like a Hugging Face access token.",
            "Copy a token (hf_...) from huggingface.co/settings/tokens."),
    SIMULATION_INVALID(Kind.PREFLIGHT, "A `simulation` field is outside its range.",
            "simulation drives the simulated trainer only (local stack, tests); omit it for defaults."),
    NUMBER_INVALID(Kind.PREFLIGHT, "A number field holds a string, a boolean, a fraction where a whole number belongs,"
            + " or a value beyond any limit.", "Send a plain finite JSON number within the field's range."),
    HYPERPARAMETER_UNKNOWN(Kind.PREFLIGHT, "The trainer takes no hyperparameter of this name.",
            "Use a name from pod/trainer/hyperparameters.json; the hint names the closest one"
                    + " (batchSize for batch_size)."),
    HYPERPARAMETER_WRONG_TYPE(Kind.PREFLIGHT, "The hyperparameter has the wrong JSON type.",
            "Send the type the trainer's table names (integer, number, boolean or one of the listed strings)."),
    HYPERPARAMETER_NOT_ALLOWED(Kind.PREFLIGHT, "The hyperparameter is not allowed with this method or adapter.",
            "Remove it, or change the method/adapter it belongs to."),
    HYPERPARAMETER_OUT_OF_RANGE(Kind.PREFLIGHT, "The hyperparameter is outside the trainer's bounds.",
            "Send a value within the bounds in the message; the trainer would refuse it with exit code 78."),
    // the training options (issue 14)
    VALIDATION_INVALID(Kind.PREFLIGHT, "`validation` names both or neither of datasetId and fraction.",
            "Give a second dataset of yours ({\"datasetId\": ...}) or hold out a share ({\"fraction\": 0.1})."),
    VALIDATION_FRACTION_INVALID(Kind.PREFLIGHT, "`validation.fraction` is not above 0 and at most 0.5.",
            "0.05 to 0.1 is usual: the rows held out are not trained on."),
    VALIDATION_INTERVAL_INVALID(Kind.PREFLIGHT, "`validation.everySteps` is outside 1–1000000.",
            "Omit it for an evaluation every 50 steps."),
    VALIDATION_SAME_DATASET(Kind.PREFLIGHT, "The validation dataset is the training dataset.",
            "Upload a separate validation dataset, or use validation.fraction to hold rows out."),
    VALIDATION_DATASET_NOT_FOUND(Kind.PREFLIGHT, "No dataset of yours has the validation dataset's id.",
            "List yours with GET /api/v1/datasets."),
    VALIDATION_DATASET_INVALID(Kind.PREFLIGHT, "The validation dataset failed validation.",
            "Read its errors with GET /api/v1/datasets/{id}, fix those lines and upload it again."),
    VALIDATION_DATASET_METHOD_MISMATCH(Kind.PREFLIGHT, "The validation dataset's format cannot evaluate the method.",
            "The validation set needs rows of the training set's kind."),
    EARLY_STOPPING_NEEDS_VALIDATION(Kind.PREFLIGHT,
            "`earlyStopping` is set without `validation`: it stops on eval loss.",
            "Add \"validation\": {\"fraction\": 0.1} or a second dataset's id."),
    EARLY_STOPPING_INVALID(Kind.PREFLIGHT, "`earlyStopping.patience` (1–100) or `minDelta` (0–10) is out of range.",
            "Omit them for patience 3 and minDelta 0."),
    CHECKPOINT_INTERVAL_INVALID(Kind.PREFLIGHT, "`checkpoint.everySteps` (1–1000000) or `everyMinutes` (1–1440) is"
            + " out of range.", "Omit them for the defaults (saveSteps; a tenth of the estimated runtime, 5–30 min)."),
    GPU_COUNT_UNUSABLE(Kind.PREFLIGHT, "Data-parallel training would leave GPUs without a batch: the dataset has"
            + " fewer training rows than gpu.count × batchSize, and every GPU is billed.",
            "Use the gpu.count the hint names or fewer, a smaller hyperparameters.batchSize, or more rows."),
    HF_REPO_INVALID(Kind.PREFLIGHT, "`output.huggingface.repo` is not <namespace>/<name>.",
            "Name a repository in your user or an organisation you may write to, e.g. \"alice/qwen-lora\"."),
    HF_WEIGHTS_INVALID(Kind.PREFLIGHT, "`output.huggingface.weights` is neither adapter nor merged.",
            "adapter pushes the LoRA adapter; merged the base model with it merged in."),
    HF_REVISION_INVALID(Kind.PREFLIGHT, "`output.huggingface.revision` is not a branch name.", "Omit it for main."),
    HF_TOKEN_MISSING(Kind.PREFLIGHT, "A Hub push is asked for but no Hugging Face token is stored.",
            "Store a token with the Write role: PUT /api/v1/secrets/huggingface."),
    HF_TOKEN_REJECTED(Kind.PREFLIGHT, "The Hugging Face Hub does not know the stored token.",
            "Create a token at huggingface.co > Settings > Access Tokens and store it again."),
    HF_TOKEN_CANNOT_WRITE(Kind.PREFLIGHT,
            "The stored Hugging Face token may not write to the repository's namespace.",
            "Store a Write token (or a fine-grained one with repo.write there), or push where you may write."),
    HF_HUB_UNAVAILABLE(Kind.PREFLIGHT, "The Hub could not be asked what the stored token may do; nothing was started.",
            "Try again in a minute."),
    WANDB_PROJECT_REQUIRED(Kind.PREFLIGHT, "`reporting.wandb` names no project.",
            "Name the W&B project the run goes to."),
    WANDB_KEY_MISSING(Kind.PREFLIGHT, "W&B reporting is asked for but no W&B API key is stored.",
            "Store one with PUT /api/v1/secrets/wandb {\"apiKey\": \"...\"}."),
    MLFLOW_URI_INVALID(Kind.PREFLIGHT, "`reporting.mlflow.trackingUri` is not an http(s) URL.",
            "Give the MLflow tracking server's URL, e.g. \"https://mlflow.example.com\"."),
    WANDB_KEY_MALFORMED(Kind.FIELD, "The value sent does not look like a W&B API key.",
            "Copy the key from wandb.ai/authorize."),
    // --- other field codes ---
    INVALID(Kind.FIELD, "A field breaks one of its constraints.", "Read the message and fix the field."),
    WRONG_TYPE(Kind.FIELD, "A field has the wrong JSON type or shape.", "Send the type the API reference names."),
    CHECKSUM_MISMATCH(Kind.FIELD, "The bytes received do not have the SHA-256 announced in X-Trainpod-Sha256.",
            "Upload the file again from byte 0."),
    DATASET_COUNT_QUOTA(Kind.FIELD, "You hold as many datasets as a user may (dataset-quota-exceeded).",
            "Delete datasets you no longer need (DELETE /api/v1/datasets/{id}), then upload again."),
    DATASET_BYTES_QUOTA(Kind.FIELD, "Your datasets and this one together would pass your storage quota.",
            "Delete datasets you no longer need, or upload a smaller one."),
    ARTIFACT_COUNT_QUOTA(Kind.FIELD, "The deployment stored as many artifacts as one may (artifact-quota-exceeded).",
            "Store fewer files: the final model rather than every checkpoint; re-uploading a name replaces it."),
    ARTIFACT_BYTES_QUOTA(Kind.FIELD, "The deployment's artifacts and this one together would pass its storage quota.",
            "Store smaller artifacts (the adapter rather than merged weights) or fewer checkpoints."),

    // --- failure reasons (a deployment's `reason`, and DeploymentEnded.reason) ---
    FAILED_PRECHECKS(Kind.FAILURE_REASON, "The deployment failed a check after it was accepted (the dataset or"
            + " the RunPod key changed in between).", "Read the deployment's message, fix it and retry."),
    FAILED_NO_CAPACITY(Kind.FAILURE_REASON, "No GPU type asked for had capacity, within limits.capacityWaitMinutes.",
            "Retry with more GPU types, the other cloud or a longer capacity wait."),
    FAILED_PROVIDER(Kind.FAILURE_REASON, "RunPod failed: the pod could not be created in time, exited, or vanished.",
            "Read the deployment's message for which; retry (POST /api/v1/deployments/{id}/retry)."),
    FAILED_DATASET(Kind.FAILURE_REASON, "The pod could not download or read the dataset.",
            "Check the dataset (GET /api/v1/datasets/{id}); upload it again if needed and retry."),
    FAILED_TRAINING(Kind.FAILURE_REASON, "The trainer failed (its exit code and last log lines are in the job's logs).",
            "Read GET /api/v1/jobs/{id}/logs, fix the hyperparameters or dataset and retry."),
    FAILED_HEARTBEAT_LOST(Kind.FAILURE_REASON, "The pod stopped sending heartbeats; it was terminated.",
            "Retry; if it repeats, the pod's image or network is at fault."),
    FAILED_MAX_RUNTIME(Kind.FAILURE_REASON, "The pod ran for limits.maxRuntimeMinutes and was terminated.",
            "Raise limits.maxRuntimeMinutes, or train less, and retry."),
    FAILED_BUDGET(Kind.FAILURE_REASON, "The deployment's cost reached limits.maxCostUsd; the pod was terminated.",
            "Raise limits.maxCostUsd, or train less, and retry."),
    FAILED_IDLE(Kind.FAILURE_REASON, "The training reported no new step for limits.idleMinutes (metrics-service's "
            + "watchdog); the pod was terminated.",
            "Check the job's logs for a hang; raise limits.idleMinutes if the job is slow on purpose."),
    FAILED_GPU_IDLE(Kind.FAILURE_REASON, "Every GPU stayed under the utilisation threshold for limits.idleMinutes "
            + "(deploy-service's reaper, from RunPod's figures); the pod was terminated.",
            "Check the data loader and batch size in the job's logs; raise limits.idleMinutes or turn the idle rule "
            + "off if the job idles on purpose."),
    CANCELLED_BY_USER(Kind.FAILURE_REASON, "You cancelled the deployment; its pod was terminated.",
            "Nothing to do.");

    /** What a code is. */
    public enum Kind {
        /** A pre-flight check's code: the deployment was not started. */
        PREFLIGHT,
        /** A field code of another operation. */
        FIELD,
        /** Why a deployment ended without success. */
        FAILURE_REASON
    }

    private final Kind kind;
    private final String happened;
    private final String todo;

    CodeCatalog(Kind kind, String happened, String todo) {
        this.kind = kind;
        this.happened = happened;
        this.todo = todo;
    }

    public Kind kind() {
        return kind;
    }

    /** What happened, in a sentence. */
    public String happened() {
        return happened;
    }

    /** What the caller can do about it. */
    public String todo() {
        return todo;
    }

    /** The path of the code's page at the gateway. */
    public String pagePath() {
        return "/problems/codes/" + name();
    }

    /** The entry of a code, if the catalog has one. */
    public static Optional<CodeCatalog> of(String code) {
        return Arrays.stream(values()).filter(c -> c.name().equals(code)).findFirst();
    }
}
