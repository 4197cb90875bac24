package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.problem.Problem.FieldError;
import dev.trainpod.deploy.api.DeploymentRequest;
import dev.trainpod.deploy.api.TrainingOptions;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The training options' checks that need no service: bounds, consistency and whether every GPU can be used. */
class TrainingChecksTest {

    private final TrainingChecks checks = new TrainingChecks(null, null, null, new HyperparameterRules());

    private static DeploymentRequest request(int gpus, Map<String, Object> hyper, TrainingOptions.Validation v,
                                             TrainingOptions.EarlyStopping e, TrainingOptions.Output o) {
        return new DeploymentRequest(UUID.randomUUID(), "Qwen/Qwen2.5-0.5B", "SFT", hyper,
                new DeploymentRequest.Gpu(List.of("NVIDIA L40S"), gpus, "SECURE"),
                new DeploymentRequest.Limits(60, BigDecimal.TEN, null, null, null), null, null, v, e, null, o, null);
    }

    private static DatasetSummary rows(long rows) {
        return new DatasetSummary(UUID.randomUUID(), "u", "d", 1000, "00", "SFT_MESSAGES", rows, null,
                List.of("SFT"), 0L);
    }

    private static List<String> codes(List<FieldError> failures) {
        return failures.stream().map(FieldError::code).toList();
    }

    @Test
    void gpusThatWouldGetNoBatchAreRefusedWithTheCountThatFits() {
        DeploymentRequest eight = request(8, Map.of("batchSize", 8), null, null, null);
        FieldError refused = checks.gpuCountCheck(eight, rows(40)).orElseThrow();
        assertThat(refused.code()).isEqualTo("GPU_COUNT_UNUSABLE");
        assertThat(refused.field()).isEqualTo("gpu.count");
        assertThat(refused.hint()).contains("gpu.count 5 or fewer");
        assertThat(checks.gpuCountCheck(eight, rows(64))).isEmpty();
        assertThat(checks.gpuCountCheck(request(1, Map.of("batchSize", 8), null, null, null), rows(3))).isEmpty();
        // the rows a validation fraction holds out are not trained on
        DeploymentRequest split = request(8, Map.of("batchSize", 8), new TrainingOptions.Validation(null, 0.5, null),
                null, null);
        assertThat(checks.gpuCountCheck(split, rows(64))).isPresent();
    }

    @Test
    void earlyStoppingNeedsValidationAndEveryBoundIsHeld() {
        assertThat(codes(TrainingChecks.staticChecks(request(1, Map.of(), null,
                new TrainingOptions.EarlyStopping(3, 0.0), null)))).containsExactly("EARLY_STOPPING_NEEDS_VALIDATION");
        assertThat(codes(TrainingChecks.staticChecks(request(1, Map.of(),
                new TrainingOptions.Validation(null, 0.9, 0), new TrainingOptions.EarlyStopping(0, -1.0), null))))
                .containsExactlyInAnyOrder("VALIDATION_FRACTION_INVALID", "VALIDATION_INTERVAL_INVALID",
                        "EARLY_STOPPING_INVALID", "EARLY_STOPPING_INVALID");
        assertThat(codes(TrainingChecks.staticChecks(request(1, Map.of(),
                new TrainingOptions.Validation(UUID.randomUUID(), 0.1, null), null, null))))
                .containsExactly("VALIDATION_INVALID");
        assertThat(TrainingChecks.staticChecks(request(1, Map.of(), new TrainingOptions.Validation(null, 0.1, 20),
                new TrainingOptions.EarlyStopping(3, 0.01), null))).isEmpty();
    }

    @Test
    void aHubRepositoryMustBeNamespaceSlashNameAndItsWeightsAdapterOrMerged() {
        TrainingOptions.Output bad = new TrainingOptions.Output(new TrainingOptions.HuggingFace("just-a-name", null,
                "../main", "fp8", null));
        assertThat(codes(TrainingChecks.staticChecks(request(1, Map.of(), null, null, bad))))
                .containsExactlyInAnyOrder("HF_REPO_INVALID", "HF_WEIGHTS_INVALID", "HF_REVISION_INVALID");
        TrainingOptions.Output good = new TrainingOptions.Output(new TrainingOptions.HuggingFace("alice/qwen-lora",
                true, "main", "merged", true));
        assertThat(TrainingChecks.staticChecks(request(1, Map.of(), null, null, good))).isEmpty();
    }
}
