package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.deploy.api.CostEstimate;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.EstimateConfig;
import dev.trainpod.deploy.api.DeploymentRequest;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EstimatorTest {

    private static final RunPodModels.CatalogGpu L40S = new RunPodModels.CatalogGpu("NVIDIA L40S", "L40S", 48, true,
            true, new RunPodModels.Price(new BigDecimal("0.86"), new BigDecimal("0.79")),
            new RunPodModels.MaxCount(8, 8), "HIGH");

    private final Estimator estimator = new Estimator(new SmallRyeConfigBuilder().withMapping(EstimateConfig.class)
            .build().getConfigMapping(EstimateConfig.class), new HyperparameterRules());

    @Test
    void parameterCountIsReadFromTheModelName() {
        assertThat(ModelSizing.billions("Qwen/Qwen2.5-0.5B")).contains(0.5);
        assertThat(ModelSizing.billions("meta-llama/Llama-3.1-8B-Instruct")).contains(8.0);
        assertThat(ModelSizing.billions("meta-llama/Llama-2-70b-hf")).contains(70.0);
        assertThat(ModelSizing.billions("mistralai/Mixtral-8x7B-v0.1")).contains(56.0);
        assertThat(ModelSizing.billions("EleutherAI/pythia-410m")).contains(0.41);
        assertThat(ModelSizing.billions("gpt2")).contains(0.124);
        assertThat(ModelSizing.billions("some/unnamed-model")).isEmpty();
        assertThat(ModelSizing.billions("x/" + "9".repeat(400) + "B")).as("infinite").isEmpty();
        assertThat(ModelSizing.billions("x/0B")).isEmpty();
    }

    @Test
    void memoryNeedGrowsWithFullFineTuningAndShrinksWithQlora() {
        double lora = ModelSizing.memoryPerGpuGb(7, ModelSizing.Adapter.LORA, "SFT", 1);
        double qlora = ModelSizing.memoryPerGpuGb(7, ModelSizing.Adapter.QLORA, "SFT", 1);
        double full = ModelSizing.memoryPerGpuGb(7, ModelSizing.Adapter.FULL, "SFT", 1);
        assertThat(qlora).isLessThan(16);
        assertThat(lora).isBetween(16.0, 24.0);
        assertThat(full).isGreaterThan(80);
        assertThat(ModelSizing.memoryPerGpuGb(7, ModelSizing.Adapter.FULL, "SFT", 4)).isLessThan(full / 3);
    }

    @Test
    void estimateIsARangeWithPricesAndAssumptions() {
        DeploymentRequest r = request("meta-llama/Llama-3.1-8B", Map.of("epochs", 3));
        DatasetSummary ds = new DatasetSummary(UUID.randomUUID(), "u", "d", 40_000_000, "x", "SFT_MESSAGES", 10_000,
                10_000_000L, List.of("SFT"), 0L);

        CostEstimate e = estimator.estimate(r, ds, L40S);

        assertThat(e.gpuType()).isEqualTo("NVIDIA L40S");
        assertThat(e.pricePerHour()).isEqualByComparingTo("0.86");
        assertThat(e.runtimeMinutes().low()).isLessThan(e.runtimeMinutes().high());
        assertThat(e.costUsd().low()).isLessThan(e.costUsd().high());
        // 4 × 8e9 × 1e7 × 3 FLOPs at 40 % of 362 TFLOPS ≈ 110.5 min, plus 3 min start-up.
        assertThat(e.runtimeMinutes().low()).isEqualByComparingTo("113.5");
        assertThat(e.assumptions()).anyMatch(a -> a.contains("10000000 tokens"))
                .anyMatch(a -> a.contains("Epochs: 3.0")).anyMatch(a -> a.contains("362.0"));
    }

    @Test
    void aSecureRunIsOfferedTheCommunityCloudsPriceWithTheSavingAndWhatItsHostsMean() {
        DatasetSummary ds = new DatasetSummary(UUID.randomUUID(), "u", "d", 40_000_000, "x", "SFT_MESSAGES", 10_000,
                10_000_000L, List.of("SFT"), 0L);
        DeploymentRequest twoGpus = new DeploymentRequest(UUID.randomUUID(), "meta-llama/Llama-3.1-8B", "SFT",
                Map.of(), new DeploymentRequest.Gpu(List.of("NVIDIA L40S"), 2, "SECURE"), null, null, null);

        CostEstimate e = estimator.estimate(twoGpus, ds, L40S);

        CostEstimate.CloudOption c = e.communityCloud();
        assertThat(c.cloud()).isEqualTo("COMMUNITY");
        assertThat(c.pricePerHour()).isEqualByComparingTo("1.58"); // 2 × 0.79
        assertThat(c.savingUsd().low()).isEqualByComparingTo(e.costUsd().low().subtract(c.costUsd().low()));
        assertThat(c.savingUsd().high()).isPositive().isEqualByComparingTo(e.costUsd().high()
                .subtract(c.costUsd().high()));
        assertThat(c.savingPercent()).isEqualByComparingTo("8.1"); // (1.72 - 1.58) / 1.72
        assertThat(c.note()).contains("lost", "more often", "maxRecoveries", "last uploaded checkpoint");

        DeploymentRequest community = new DeploymentRequest(UUID.randomUUID(), "meta-llama/Llama-3.1-8B", "SFT",
                Map.of(), new DeploymentRequest.Gpu(List.of("NVIDIA L40S"), 1, "COMMUNITY"), null, null, null);
        assertThat(estimator.estimate(community, ds, L40S).communityCloud()).as("already community").isNull();
        RunPodModels.CatalogGpu secureOnly = new RunPodModels.CatalogGpu("NVIDIA L40S", "L40S", 48, true, false,
                new RunPodModels.Price(new BigDecimal("0.86"), null), new RunPodModels.MaxCount(8, 0), "HIGH");
        assertThat(estimator.estimate(twoGpus, ds, secureOnly).communityCloud()).as("not offered").isNull();
    }

    @Test
    void dpoCostsMoreThanSft() {
        DatasetSummary ds = new DatasetSummary(UUID.randomUUID(), "u", "d", 4_000_000, "x", "DPO", 1000, null,
                List.of("DPO"), 0L);
        CostEstimate sft = estimator.estimate(request("x/Model-7B", Map.of()), ds, L40S);
        DeploymentRequest dpo = new DeploymentRequest(UUID.randomUUID(), "x/Model-7B", "DPO", Map.of(),
                new DeploymentRequest.Gpu(List.of("NVIDIA L40S"), 1, "SECURE"), null, null, null);
        assertThat(estimator.estimate(dpo, ds, L40S).costUsd().high()).isGreaterThan(sft.costUsd().high());
        assertThat(sft.assumptions()).anyMatch(a -> a.contains("4 bytes per token"));
    }

    @Test
    void theEstimateTakesTheTrainersDefaultsAndMaxStepsInPlaceOfEpochs() {
        DatasetSummary ds = new DatasetSummary(UUID.randomUUID(), "u", "d", 40_000_000, "x", "SFT_MESSAGES", 10_000,
                10_000_000L, List.of("SFT"), 0L);
        CostEstimate defaults = estimator.estimate(request("meta-llama/Llama-3.1-8B", Map.of()), ds, L40S);
        CostEstimate oneEpoch = estimator.estimate(request("meta-llama/Llama-3.1-8B", Map.of("epochs", 1)), ds, L40S);
        assertThat(defaults.runtimeMinutes()).isEqualTo(oneEpoch.runtimeMinutes());
        assertThat(defaults.assumptions()).anyMatch(a -> a.startsWith("Adapter: LORA"));

        // 1250 steps × 4 rows × 4 accumulation = 20 000 rows = 2 passes over 10 000 rows, whatever epochs says.
        CostEstimate steps = estimator.estimate(request("meta-llama/Llama-3.1-8B",
                Map.of("epochs", 7, "maxSteps", 1250)), ds, L40S);
        CostEstimate twoEpochs = estimator.estimate(request("meta-llama/Llama-3.1-8B", Map.of("epochs", 2)), ds, L40S);
        assertThat(steps.runtimeMinutes()).isEqualTo(twoEpochs.runtimeMinutes());
        assertThat(steps.assumptions()).anyMatch(a -> a.contains("maxSteps 1250"));
    }

    private static DeploymentRequest request(String model, Map<String, Object> hyper) {
        return new DeploymentRequest(UUID.randomUUID(), model, "SFT", hyper,
                new DeploymentRequest.Gpu(List.of("NVIDIA L40S"), 1, "SECURE"),
                new DeploymentRequest.Limits(60, new BigDecimal("10"), null, null, null), null, null);
    }
}
