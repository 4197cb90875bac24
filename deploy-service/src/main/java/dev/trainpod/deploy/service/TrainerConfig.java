package dev.trainpod.deploy.service;

import dev.trainpod.deploy.JobSpec;
import dev.trainpod.deploy.api.CostEstimate;
import dev.trainpod.deploy.api.TrainingOptions;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The job config the trainer reads (TRAINPOD_CONFIG, base64 JSON): model, method, hyperparameters, GPUs, evaluation,
 * early stopping, checkpoints, the Hub push and reporting, with the defaults that depend on the estimate filled in.
 * The trainer's own parsing (pod/trainer/trainer_config.py, evaluation.py, checkpoints.py) accepts exactly these names.
 */
final class TrainerConfig {

    /** The file name the agent saves a validation dataset under, and the trainer reads with --validation. */
    static final String VALIDATION_FILE = "validation.jsonl";
    static final int MIN_CHECKPOINT_MINUTES = 5;
    static final int MAX_CHECKPOINT_MINUTES = 30;

    private TrainerConfig() {
    }

    /** The config of a pod on {@code gpuType}; the estimate (may be null) gives checkpoint and price defaults. */
    static Map<String, Object> of(JobSpec r, CostEstimate estimate, String gpuType) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("model", r.baseModel());
        cfg.put("method", r.method());
        cfg.put("hyperparameters", r.hyperparameters() == null ? Map.of() : r.hyperparameters());
        cfg.put("gpuCount", r.gpuCount());
        if (r.simulation() != null) {
            cfg.put("simulation", r.simulation());
        }
        TrainingOptions.Validation v = r.validation();
        if (v != null) {
            Map<String, Object> validation = new LinkedHashMap<>();
            if (v.datasetId() != null) {
                validation.put("file", VALIDATION_FILE);
            } else {
                validation.put("fraction", v.fraction());
            }
            if (v.everySteps() != null) {
                validation.put("everySteps", v.everySteps());
            }
            cfg.put("validation", validation);
        }
        if (r.earlyStopping() != null) {
            cfg.put("earlyStopping", r.earlyStopping());
        }
        Map<String, Object> checkpoint = new LinkedHashMap<>();
        TrainingOptions.Checkpoint c = r.checkpoint();
        if (c != null && c.everySteps() != null) {
            checkpoint.put("everySteps", c.everySteps());
        }
        checkpoint.put("everyMinutes", c != null && c.everyMinutes() != null ? c.everyMinutes()
                : defaultCheckpointMinutes(estimate == null ? null : estimate.runtimeMinutes().high()));
        cfg.put("checkpoint", checkpoint);
        if (r.output() != null) {
            cfg.put("output", r.output());
        }
        if (r.reporting() != null) {
            cfg.put("reporting", r.reporting());
        }
        if (estimate != null && estimate.pricePerHour() != null && gpuType.equals(estimate.gpuType())) {
            cfg.put("costPerHourUsd", estimate.pricePerHour());
        }
        return cfg;
    }

    /**
     * Minutes between checkpoints when the request does not say: a tenth of the high runtime estimate, at least 5
     * (a checkpoint costs a pause and an upload) and at most 30 (a lost pod costs at most half an hour of training).
     */
    static int defaultCheckpointMinutes(BigDecimal runtimeHighMinutes) {
        if (runtimeHighMinutes == null) {
            return MAX_CHECKPOINT_MINUTES;
        }
        int tenth = runtimeHighMinutes.divide(BigDecimal.TEN, 0, RoundingMode.CEILING).intValue();
        return Math.max(MIN_CHECKPOINT_MINUTES, Math.min(MAX_CHECKPOINT_MINUTES, tenth));
    }
}
