package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.deploy.JobSpec;
import dev.trainpod.deploy.api.CostEstimate;
import dev.trainpod.deploy.api.DeploymentRequest;
import dev.trainpod.deploy.api.TrainingOptions;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The job config the trainer reads: training options passed on, defaults taken from the estimate. */
class TrainerConfigTest {

    private static final CostEstimate ESTIMATE = new CostEstimate(
            new CostEstimate.Range(new BigDecimal("40"), new BigDecimal("120")),
            new CostEstimate.Range(BigDecimal.ONE, BigDecimal.TEN), "NVIDIA L40S", new BigDecimal("1.72"), 20.0,
            List.of());

    private static JobSpec spec(TrainingOptions.Validation validation, TrainingOptions.Checkpoint checkpoint) {
        return JobSpec.of(new DeploymentRequest(UUID.randomUUID(), "Qwen/Qwen2.5-0.5B", "SFT", Map.of(),
                new DeploymentRequest.Gpu(List.of("NVIDIA L40S"), 2, "SECURE"),
                new DeploymentRequest.Limits(60, BigDecimal.TEN, null, null, null), null, null, validation,
                new TrainingOptions.EarlyStopping(2, null), checkpoint, null, null));
    }

    @Test
    void aSecondDatasetBecomesTheValidationFileAndTheCheckpointClockComesFromTheEstimate() {
        Map<String, Object> cfg = TrainerConfig.of(spec(new TrainingOptions.Validation(UUID.randomUUID(), null, 25),
                null), ESTIMATE, "NVIDIA L40S");
        assertThat(cfg.get("validation")).isEqualTo(Map.of("file", "validation.jsonl", "everySteps", 25));
        assertThat(cfg.get("checkpoint")).isEqualTo(Map.of("everyMinutes", 12));
        assertThat(cfg.get("gpuCount")).isEqualTo(2);
        assertThat(cfg.get("costPerHourUsd")).isEqualTo(new BigDecimal("1.72"));
    }

    @Test
    void theRequestsOwnIntervalsWinAndAnotherGpuTypeHasNoPriceToClaimSavingsAt() {
        Map<String, Object> cfg = TrainerConfig.of(spec(new TrainingOptions.Validation(null, 0.1, null),
                new TrainingOptions.Checkpoint(100, 7)), ESTIMATE, "NVIDIA H100 80GB HBM3");
        assertThat(cfg.get("validation")).isEqualTo(Map.of("fraction", 0.1));
        assertThat(cfg.get("checkpoint")).isEqualTo(Map.of("everySteps", 100, "everyMinutes", 7));
        assertThat(cfg).doesNotContainKey("costPerHourUsd");
    }

    @Test
    void checkpointMinutesAreATenthOfTheHighRuntimeBetweenFiveAndThirty() {
        assertThat(TrainerConfig.defaultCheckpointMinutes(new BigDecimal("20"))).isEqualTo(5);
        assertThat(TrainerConfig.defaultCheckpointMinutes(new BigDecimal("121"))).isEqualTo(13);
        assertThat(TrainerConfig.defaultCheckpointMinutes(new BigDecimal("6000"))).isEqualTo(30);
        assertThat(TrainerConfig.defaultCheckpointMinutes(null)).isEqualTo(30);
    }
}
