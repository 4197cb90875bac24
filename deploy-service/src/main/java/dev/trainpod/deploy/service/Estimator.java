package dev.trainpod.deploy.service;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.deploy.api.CostEstimate;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.EstimateConfig;
import dev.trainpod.deploy.api.DeploymentRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Estimates runtime and cost from the model size, the dataset's token count, the epochs, a throughput table per
 * GPU type and the live catalog price: training compute is {@code k × parameters × tokens × epochs} FLOPs
 * ({@code k} = 6 for full fine-tuning, 4 with adapters, ×1.3 for QLoRA's dequantisation, ×2.7 for DPO's chosen,
 * rejected and reference passes), run at a share of the GPU's dense bf16 peak, plus start-up overhead. The
 * hyperparameters are read as the trainer reads them ({@link HyperparameterRules}: its defaults, and
 * {@code maxSteps} replacing {@code epochs} when above 0).
 */
@ApplicationScoped
public class Estimator {

    /** Dense bf16 tensor TFLOPS per GPU type, from the vendors' data sheets. */
    static final Map<String, Double> PEAK_TFLOPS = Map.ofEntries(
            Map.entry("NVIDIA RTX A4000", 76.7),
            Map.entry("NVIDIA RTX A5000", 111.1),
            Map.entry("NVIDIA RTX A6000", 154.8),
            Map.entry("NVIDIA A40", 149.7),
            Map.entry("NVIDIA GeForce RTX 3090", 71.0),
            Map.entry("NVIDIA GeForce RTX 4090", 165.2),
            Map.entry("NVIDIA L4", 121.0),
            Map.entry("NVIDIA L40S", 362.0),
            Map.entry("NVIDIA A100 80GB PCIe", 312.0),
            Map.entry("NVIDIA A100-SXM4-80GB", 312.0),
            Map.entry("NVIDIA H100 PCIe", 756.0),
            Map.entry("NVIDIA H100 80GB HBM3", 989.0),
            Map.entry("NVIDIA H100 NVL", 835.0),
            Map.entry("NVIDIA H200", 989.0));
    static final double UNKNOWN_GPU_TFLOPS = 60;
    private static final double MULTI_GPU_SCALING = 0.9;

    private final EstimateConfig config;
    private final HyperparameterRules rules;

    public Estimator(EstimateConfig config, HyperparameterRules rules) {
        this.config = config;
        this.rules = rules;
    }

    /** The estimate for the request on the given GPU type; {@code dataset} may be null when unknown. */
    public CostEstimate estimate(DeploymentRequest r, DatasetSummary dataset, RunPodModels.CatalogGpu gpu) {
        List<String> assumptions = new ArrayList<>();
        double billions = ModelSizing.billions(r.baseModel()).orElseGet(() -> {
            assumptions.add("Model size not recognised in \"" + r.baseModel() + "\": assumed "
                    + ModelSizing.DEFAULT_BILLIONS + "B parameters.");
            return ModelSizing.DEFAULT_BILLIONS;
        });
        assumptions.add("Model: " + billions + "B parameters (from its name).");
        Map<String, Object> hp = rules.resolve(r.hyperparameters());
        ModelSizing.Adapter adapter = ModelSizing.Adapter.of(hp.get("adapter"));
        assumptions.add("Adapter: " + adapter + " (hyperparameters.adapter: full, lora or qlora; default "
                + rules.rules().get("adapter").defaultValue() + ").");
        long tokens = tokens(dataset, assumptions);
        double epochs = epochs(hp, dataset, assumptions);
        double k = adapter == ModelSizing.Adapter.FULL ? 6 : 4;
        if (adapter == ModelSizing.Adapter.QLORA) {
            k *= 1.3;
        }
        if ("DPO".equals(r.method())) {
            k *= 2.7;
        }
        double flops = k * billions * 1e9 * tokens * epochs;
        int count = r.gpuCount();
        double peak = PEAK_TFLOPS.getOrDefault(gpu.id(), UNKNOWN_GPU_TFLOPS);
        if (!PEAK_TFLOPS.containsKey(gpu.id())) {
            assumptions.add("No throughput figure for " + gpu.id() + ": assumed " + UNKNOWN_GPU_TFLOPS + " TFLOPS.");
        }
        double effectivePeak = peak * 1e12 * count * Math.pow(MULTI_GPU_SCALING, count - 1.0);
        double lowMinutes = config.startupMinutesLow() + flops / (effectivePeak * config.utilisationLow()) / 60;
        double highMinutes = config.startupMinutesHigh() + flops / (effectivePeak * config.utilisationHigh()) / 60;
        assumptions.add("Throughput: " + peak + " dense bf16 TFLOPS per GPU at " + pct(config.utilisationLow())
                + " (low) to " + pct(config.utilisationHigh()) + " (high) utilisation; training compute "
                + k + " × parameters × tokens × epochs FLOPs.");
        assumptions.add("Start-up: " + config.startupMinutesLow() + " to " + config.startupMinutesHigh()
                + " min (image pull, model download, dataset download).");
        BigDecimal perGpu = gpu.priceFor(r.cloud());
        BigDecimal perHour = perGpu == null ? BigDecimal.ZERO : perGpu.multiply(BigDecimal.valueOf(count));
        assumptions.add("Price: " + perHour + " USD/h for " + count + " × " + gpu.id() + " in the " + r.cloud()
                + " cloud (live RunPod catalog), billed per second from pod creation.");
        double memory = ModelSizing.memoryPerGpuGb(billions, adapter, r.method(), count);
        CostEstimate.Range costs = new CostEstimate.Range(cost(lowMinutes, perHour), cost(highMinutes, perHour));
        return new CostEstimate(
                new CostEstimate.Range(round(lowMinutes, 1), round(highMinutes, 1)), costs,
                gpu.id(), perHour, Math.round(memory * 10) / 10.0, List.copyOf(assumptions),
                community(r, gpu, count, perHour, costs, lowMinutes, highMinutes));
    }

    /** What community hosts mean for a run, said in every community offer and in the documentation. */
    static final String COMMUNITY_NOTE = "Community-cloud hosts are run by third parties and are lost (host gone,"
            + " pod ERROR or EXITED) more often than secure-cloud ones. Trainpod recovers a lost pod on its own"
            + " (limits.maxRecoveries, default 2): a new pod resumes from the last uploaded checkpoint, so a loss"
            + " costs the steps since that checkpoint and a new pod's start-up, not the run. The saving shown leaves"
            + " those out.";

    /**
     * The same run in the COMMUNITY cloud, when the request asks for SECURE and the catalog offers the GPU type
     * there for less; null otherwise.
     */
    private static CostEstimate.CloudOption community(DeploymentRequest r, RunPodModels.CatalogGpu gpu, int count,
                                                      BigDecimal securePerHour, CostEstimate.Range secureCosts,
                                                      double lowMinutes, double highMinutes) {
        BigDecimal perGpu = gpu.priceFor("COMMUNITY");
        if (!"SECURE".equals(r.cloud()) || Boolean.FALSE.equals(gpu.community()) || perGpu == null
                || securePerHour.signum() <= 0) {
            return null;
        }
        BigDecimal perHour = perGpu.multiply(BigDecimal.valueOf(count));
        if (perHour.compareTo(securePerHour) >= 0) {
            return null;
        }
        CostEstimate.Range costs = new CostEstimate.Range(cost(lowMinutes, perHour), cost(highMinutes, perHour));
        BigDecimal percent = securePerHour.subtract(perHour).multiply(BigDecimal.valueOf(100))
                .divide(securePerHour, 1, RoundingMode.HALF_UP);
        return new CostEstimate.CloudOption("COMMUNITY", perHour, costs,
                new CostEstimate.Range(secureCosts.low().subtract(costs.low()),
                        secureCosts.high().subtract(costs.high())), percent, COMMUNITY_NOTE);
    }

    private static long tokens(DatasetSummary dataset, List<String> assumptions) {
        if (dataset != null && dataset.estimatedTokens() != null) {
            assumptions.add("Dataset: " + dataset.estimatedTokens() + " tokens (dataset-service's count).");
            return dataset.estimatedTokens();
        }
        long bytes = dataset == null ? 0 : dataset.bytes();
        assumptions.add("Dataset: " + bytes / 4 + " tokens (4 bytes per token; no token count known).");
        return bytes / 4;
    }

    /**
     * Passes over the dataset: {@code epochs}, or, when {@code maxSteps} is above 0 (the trainer then stops at that
     * step whatever the epochs), the passes those steps make: steps × batchSize × gradientAccumulationSteps rows.
     */
    private double epochs(Map<String, Object> hp, DatasetSummary dataset, List<String> assumptions) {
        double epochs = ((Number) hp.get("epochs")).doubleValue();
        long maxSteps = ((Number) hp.get("maxSteps")).longValue();
        if (maxSteps > 0 && dataset != null && dataset.rows() > 0) {
            long batch = ((Number) hp.get("batchSize")).longValue()
                    * ((Number) hp.get("gradientAccumulationSteps")).longValue();
            double passes = (double) maxSteps * batch / dataset.rows();
            assumptions.add("Epochs: " + round(passes, 3) + " (hyperparameters.maxSteps " + maxSteps + " × "
                    + batch + " rows per step over " + dataset.rows() + " rows; maxSteps replaces epochs).");
            return passes;
        }
        assumptions.add("Epochs: " + epochs + " (hyperparameters.epochs, default "
                + rules.defaultText("epochs") + ").");
        return epochs;
    }

    private static BigDecimal cost(double minutes, BigDecimal perHour) {
        return perHour.multiply(BigDecimal.valueOf(minutes / 60)).setScale(4, RoundingMode.CEILING);
    }

    private static BigDecimal round(double v, int places) {
        return BigDecimal.valueOf(v).setScale(places, RoundingMode.HALF_UP);
    }

    private static String pct(double share) {
        return Math.round(share * 100) + " %";
    }
}
