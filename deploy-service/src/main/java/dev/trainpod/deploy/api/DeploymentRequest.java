package dev.trainpod.deploy.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The body of {@code POST /api/v1/deployments}; every field is checked by the pre-flight checks, which report
 * all failures at once rather than the first. Its numbers must be plain finite JSON numbers ({@link RequestNumbers}):
 * a string, NaN or a fraction for a whole field is answered with 422 before the checks run.
 */
@Schema(description = "A deployment to start: the pre-flight checks report every failing field at once (422).")
public record DeploymentRequest(
        @Schema(description = "Id of one of your datasets (POST /api/v1/datasets); required.") UUID datasetId,
        @Schema(description = "Hugging Face model id to fine-tune; required.", example = "Qwen/Qwen2.5-0.5B")
        String baseModel,
        @Schema(description = "Training method: SFT or DPO (DPO needs a prompt/chosen/rejected dataset).",
                enumeration = {"SFT", "DPO"}) String method,
        @Schema(description = "The trainer's hyperparameters by name (pod/trainer/hyperparameters.json: names,"
                + " types, bounds, defaults), e.g. epochs (1–100), learningRate (0–1), loraR (1–256), adapter"
                + " lora|qlora|full;"
                + " absent ones take their defaults.") Map<String, Object> hyperparameters,
        @Schema(description = "GPU candidates, count and cloud; required.") Gpu gpu,
        @Schema(description = "Runtime, cost, idle and capacity-wait limits; maxRuntimeMinutes and maxCostUsd"
                + " required.") Limits limits,
        @Schema(description = "Instructions for the simulated trainer (local stack and tests only); omit otherwise.")
        Simulation simulation,
        @Schema(description = "Container image of the pod; omit for the installation's default trainer image.")
        String image,
        @Schema(description = "A validation set: a second dataset of yours (datasetId) or a share of the training"
                + " set (fraction, at most 0.5); eval loss every everySteps (50) steps.")
        TrainingOptions.Validation validation,
        @Schema(description = "Stop once patience (3) evaluations in a row did not lower the eval loss by more than"
                + " minDelta (0); needs validation. The output is the best checkpoint.")
        TrainingOptions.EarlyStopping earlyStopping,
        @Schema(description = "Checkpoint every everySteps steps (hyperparameters.saveSteps) or everyMinutes minutes"
                + " (a tenth of the high runtime estimate, 5-30), whichever first.")
        TrainingOptions.Checkpoint checkpoint,
        @Schema(description = "Where the result goes besides Trainpod: output.huggingface pushes it to the Hub.")
        TrainingOptions.Output output,
        @Schema(description = "Reporting to W&B (a stored key) or MLflow besides Trainpod's metrics.")
        TrainingOptions.Reporting reporting) {

    /** A request without training options (no evaluation, default checkpoints, results in Trainpod only). */
    public DeploymentRequest(UUID datasetId, String baseModel, String method, Map<String, Object> hyperparameters,
                             Gpu gpu, Limits limits, Simulation simulation, String image) {
        this(datasetId, baseModel, method, hyperparameters, gpu, limits, simulation, image, null, null, null, null,
                null);
    }

    /** The Hub push asked for, or null. */
    @JsonIgnore
    public TrainingOptions.HuggingFace huggingface() {
        return output == null ? null : output.huggingface();
    }

    /** GPU candidates in order of preference, how many GPUs, and which cloud. */
    @Schema(description = "Which GPUs the pod may run on.")
    public record Gpu(
            @Schema(description = "RunPod GPU type ids in order of preference (GET /api/v1/gpu-types); at least one.",
                    example = "[\"NVIDIA RTX A4000\", \"NVIDIA GeForce RTX 4090\"]") List<String> types,
            @Schema(description = "GPUs per pod, 1–16 and at most the type's maxCount; default 1.", minimum = "1",
                    maximum = "16") @JsonDeserialize(using = RequestNumbers.Whole.class) Integer count,
            @Schema(description = "SECURE (RunPod's data centers, the default) or COMMUNITY (cheaper).",
                    enumeration = {"SECURE", "COMMUNITY"}) String cloud) {
    }

    /**
     * What the deployment may spend: runtime, money, how long its GPUs may sit idle, how long to keep trying
     * when no GPU candidate has capacity (0 or absent: fail at once), and how many lost pods to replace (the
     * runtime and the money count across all of them).
     */
    @Schema(description = "What the deployment may spend; the pod is terminated when a limit is reached.")
    public record Limits(
            @Schema(description = "Longest the pod may run, in minutes; required, 1 up to the installation's"
                    + " maximum.", minimum = "1") @JsonDeserialize(using = RequestNumbers.Whole.class)
            Integer maxRuntimeMinutes,
            @Schema(description = "Most the deployment may cost, in USD; required, above 0, at most 6 decimal"
                    + " places.", minimum = "0", exclusiveMinimum = true)
            @JsonDeserialize(using = RequestNumbers.Decimal.class) BigDecimal maxCostUsd,
            @Schema(description = "Minutes the GPUs may stay idle before the pod is terminated, 1–1440; optional.",
                    minimum = "1", maximum = "1440") @JsonDeserialize(using = RequestNumbers.Whole.class)
            Integer idleMinutes,
            @Schema(description = "Minutes to keep trying when no GPU type has capacity, 0–1440; default 0 (fail"
                    + " at once).", minimum = "0", maximum = "1440")
            @JsonDeserialize(using = RequestNumbers.Whole.class) Integer capacityWaitMinutes,
            @Schema(description = "How many lost pods (vanished, EXITED or ERROR at RunPod, heartbeat lost) are"
                    + " replaced automatically, resuming from the last checkpoint, 0–10; default 2, 0 turns recovery"
                    + " off. The runtime and the cost limits count every pod.", minimum = "0", maximum = "10")
            @JsonDeserialize(using = RequestNumbers.Whole.class) Integer maxRecoveries) {

        /** Lost pods replaced automatically unless the request says otherwise (0 turns recovery off). */
        public static final int DEFAULT_MAX_RECOVERIES = 2;

        /** How many lost pods may be replaced; the default unless the request says otherwise. */
        public int recoveries() {
            return maxRecoveries == null ? DEFAULT_MAX_RECOVERIES : maxRecoveries;
        }

        /** Minutes to keep trying for capacity; 0 unless the request says otherwise. */
        public int capacityWait() {
            return capacityWaitMinutes == null ? 0 : capacityWaitMinutes;
        }
    }

    /** Instructions for the simulated trainer (used where no GPU libraries exist). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "The simulated trainer's script (local stack and tests).")
    public record Simulation(
            @Schema(description = "Training steps, 1–100000; default 30.", minimum = "1", maximum = "100000")
            @JsonDeserialize(using = RequestNumbers.Whole.class) Integer steps,
            @Schema(description = "Seconds per step, 0–3600; default 0.2.", minimum = "0", maximum = "3600")
            @JsonDeserialize(using = RequestNumbers.Finite.class) Double stepSeconds,
            @Schema(description = "Step at which the trainer fails, 1–100000; absent: it succeeds.", minimum = "1",
                    maximum = "100000") @JsonDeserialize(using = RequestNumbers.Whole.class) Integer failAtStep,
            @Schema(description = "Exit code of the failing trainer, 0–255; default 1.", minimum = "0",
                    maximum = "255") @JsonDeserialize(using = RequestNumbers.Whole.class) Integer exitCode,
            @Schema(description = "Step, 1–100000, from which the eval loss (with validation) stays on a plateau,"
                    + " creeping up 0.001 a step; absent: it follows the training loss.", minimum = "1",
                    maximum = "100000") @JsonDeserialize(using = RequestNumbers.Whole.class) Integer evalPlateauAtStep) {

        /** Without an eval plateau. */
        public Simulation(Integer steps, Double stepSeconds, Integer failAtStep, Integer exitCode) {
            this(steps, stepSeconds, failAtStep, exitCode, null);
        }
    }

    /** The cloud, SECURE unless the request says otherwise. */
    public String cloud() {
        return gpu == null || gpu.cloud() == null ? "SECURE" : gpu.cloud();
    }

    /** GPUs per pod, 1 unless the request says otherwise. */
    public int gpuCount() {
        return gpu == null || gpu.count() == null ? 1 : gpu.count();
    }
}
