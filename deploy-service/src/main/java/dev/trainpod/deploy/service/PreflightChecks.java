package dev.trainpod.deploy.service;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.problem.Problem.FieldError;
import dev.trainpod.deploy.api.CostEstimate;
import dev.trainpod.deploy.client.CatalogCache;
import dev.trainpod.deploy.client.RunPodException;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.problem.DeployProblems;
import dev.trainpod.deploy.api.DeploymentRequest;
import dev.trainpod.deploy.vault.SecretVault;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Runs every check that must pass before any money is spent, and returns every failure at once, each with the
 * field, a stable code, a message and a hint.
 */
@ApplicationScoped
public class PreflightChecks {

    static final Set<String> METHODS = Set.of("SFT", "DPO");
    static final Set<String> CLOUDS = Set.of("SECURE", "COMMUNITY");
    static final int MAX_RUNTIME_MINUTES = 7 * 24 * 60;
    /** At most this many lost pods are replaced for one deployment. */
    static final int MAX_RECOVERIES = 10;
    static final BigDecimal MAX_COST_USD = new BigDecimal("10000");
    /** Decimal places a budget may have; more is a number no one means (1e-999999999 fits nowhere downstream). */
    static final int MAX_COST_SCALE = 6;
    /**
     * GPUs per pod: a pod runs on one machine, and RunPod quotes no GPU type with more (its catalog's
     * {@code maxCount}, checked per type below, is usually 8). Above this the request is refused before the catalog.
     */
    static final int MAX_GPU_COUNT = 16;
    /** The simulated trainer's steps, and the step a simulated failure happens at. */
    static final int MAX_SIMULATED_STEPS = 100_000;
    /** Seconds a simulated step may take. */
    static final double MAX_SIMULATED_STEP_SECONDS = 3600;

    private final DatasetSummaries datasets;
    private final SecretVault vault;
    private final CatalogCache catalogs;
    private final Estimator estimator;
    private final HyperparameterRules hyperparameters;
    private final TrainingChecks training;

    public PreflightChecks(DatasetSummaries datasets, SecretVault vault, CatalogCache catalogs,
                           Estimator estimator, HyperparameterRules hyperparameters, TrainingChecks training) {
        this.training = training;
        this.datasets = datasets;
        this.vault = vault;
        this.catalogs = catalogs;
        this.estimator = estimator;
        this.hyperparameters = hyperparameters;
    }

    /**
     * What the checks found: the failures (empty when the request may go ahead), the dataset's summary and the
     * cost estimate (null when it could not be made).
     */
    public record Outcome(List<FieldError> failures, DatasetSummary dataset, CostEstimate estimate) {
    }

    private record GpuOutcome(List<FieldError> failures, CostEstimate estimate) {
    }

    /**
     * Runs every check. What must be asked elsewhere runs side by side: the dataset (the local copy of dataset-service's
     * catalog, else dataset-service: {@link DatasetSummaries}), the id of the
     * stored RunPod key and the training options' remote checks (validation set, Hub, W&B); the key itself is opened
     * only when the GPU catalog must be fetched for it.
     */
    public Uni<Outcome> check(String userId, DeploymentRequest r) {
        List<FieldError> failures = new ArrayList<>(staticChecks(r));
        failures.addAll(hyperparameters.check(r.hyperparameters()));
        Uni<Optional<DatasetSummary>> dataset = r.datasetId() == null
                ? Uni.createFrom().item(Optional.empty())
                : datasets.dataset(r.datasetId(), userId).onFailure().transform(e -> DeployProblems.datasetServiceUnavailable());
        Uni<Optional<UUID>> credential = vault.currentCredentialId(userId);
        Uni<List<FieldError>> remoteTraining = training.remoteChecks(userId, r);
        return Uni.combine().all().unis(dataset, credential, remoteTraining).asTuple().chain(found -> {
            Optional<DatasetSummary> ds = found.getItem1();
            datasetChecks(r, ds).forEach(failures::add);
            failures.addAll(training.check(r, ds.orElse(null), found.getItem3()));
            if (found.getItem2().isEmpty()) {
                failures.add(new FieldError("runpodKey", "RUNPOD_KEY_MISSING", "No RunPod API key is stored.",
                        "Store one with PUT /api/v1/secrets/runpod {\"apiKey\": \"...\"}; create it in the "
                                + "RunPod console under Settings > API Keys."));
                return Uni.createFrom().item(new Outcome(failures, ds.orElse(null), null));
            }
            return gpuChecks(found.getItem2().get(), r, ds.orElse(null), estimable(failures)).map(gpu -> {
                failures.addAll(gpu.failures());
                return new Outcome(failures, ds.orElse(null), gpu.estimate());
            });
        });
    }

    /**
     * The estimate needs a model, a method, a budget, a sane GPU count and the hyperparameters the trainer would
     * take; other failures do not keep it from being made.
     */
    private static boolean estimable(List<FieldError> failures) {
        Set<String> blocking = Set.of("BASE_MODEL_REQUIRED", "METHOD_INVALID", "MAX_COST_INVALID", "MAX_RUNTIME_INVALID",
                "GPU_COUNT_INVALID", "CLOUD_INVALID");
        return failures.stream().noneMatch(f -> blocking.contains(f.code()) || f.code().startsWith("HYPERPARAMETER_"));
    }

    private static List<FieldError> staticChecks(DeploymentRequest r) {
        List<FieldError> f = new ArrayList<>();
        if (r.datasetId() == null) {
            f.add(new FieldError("datasetId", "DATASET_REQUIRED", "datasetId is required.",
                    "Upload a dataset with POST /api/v1/datasets and pass its id."));
        }
        if (r.baseModel() == null || r.baseModel().isBlank()) {
            f.add(new FieldError("baseModel", "BASE_MODEL_REQUIRED", "baseModel is required.",
                    "Name a Hugging Face model, e.g. \"Qwen/Qwen2.5-0.5B\"."));
        }
        if (r.method() == null || !METHODS.contains(r.method())) {
            f.add(new FieldError("method", "METHOD_INVALID", "method must be SFT or DPO.", "Use \"SFT\" or \"DPO\"."));
        }
        if (r.gpu() == null || r.gpu().types() == null || r.gpu().types().isEmpty()
                || r.gpu().types().stream().anyMatch(t -> t == null || t.isBlank())) {
            f.add(new FieldError("gpu.types", "GPU_TYPES_REQUIRED", "gpu.types must list at least one GPU type id.",
                    "See GET /api/v1/gpu-types for the ids, e.g. \"NVIDIA RTX A4000\"."));
        }
        if (r.gpuCount() < 1 || r.gpuCount() > MAX_GPU_COUNT) {
            f.add(new FieldError("gpu.count", "GPU_COUNT_INVALID", "gpu.count must be between 1 and " + MAX_GPU_COUNT
                    + ": a pod's GPUs are on one machine.", "Omit gpu.count for one GPU; GET /api/v1/gpu-types "
                    + "shows how many each type allows per pod (maxCount)."));
        }
        if (!CLOUDS.contains(r.cloud())) {
            f.add(new FieldError("gpu.cloud", "CLOUD_INVALID", "gpu.cloud must be SECURE or COMMUNITY.",
                    "SECURE (the default) runs in RunPod's data centers; COMMUNITY is cheaper, on hosts of others."));
        }
        f.addAll(limitChecks(r.limits()));
        f.addAll(simulationChecks(r.simulation()));
        return f;
    }

    /** The simulated trainer's instructions: bounded so a local run ends, and a failure step that can happen. */
    private static List<FieldError> simulationChecks(DeploymentRequest.Simulation s) {
        if (s == null) {
            return List.of();
        }
        List<FieldError> f = new ArrayList<>();
        String hint = "simulation drives the simulated trainer only (local stack, tests); omit it for defaults.";
        if (s.steps() != null && (s.steps() < 1 || s.steps() > MAX_SIMULATED_STEPS)) {
            f.add(new FieldError("simulation.steps", "SIMULATION_INVALID",
                    "simulation.steps must be between 1 and " + MAX_SIMULATED_STEPS + ".", hint + " Default 30."));
        }
        if (s.stepSeconds() != null && !(s.stepSeconds() >= 0 && s.stepSeconds() <= MAX_SIMULATED_STEP_SECONDS)) {
            f.add(new FieldError("simulation.stepSeconds", "SIMULATION_INVALID", "simulation.stepSeconds must be "
                    + "between 0 and " + (int) MAX_SIMULATED_STEP_SECONDS + ".", hint + " Default 0.2."));
        }
        if (s.failAtStep() != null && (s.failAtStep() < 1 || s.failAtStep() > MAX_SIMULATED_STEPS)) {
            f.add(new FieldError("simulation.failAtStep", "SIMULATION_INVALID", "simulation.failAtStep must be "
                    + "between 1 and " + MAX_SIMULATED_STEPS + ".", hint + " A step beyond steps never fails."));
        }
        if (s.evalPlateauAtStep() != null && (s.evalPlateauAtStep() < 1 || s.evalPlateauAtStep() > MAX_SIMULATED_STEPS)) {
            f.add(new FieldError("simulation.evalPlateauAtStep", "SIMULATION_INVALID", "simulation.evalPlateauAtStep"
                    + " must be between 1 and " + MAX_SIMULATED_STEPS + ".", hint + " Absent: no plateau."));
        }
        if (s.exitCode() != null && (s.exitCode() < 0 || s.exitCode() > 255)) {
            f.add(new FieldError("simulation.exitCode", "SIMULATION_INVALID",
                    "simulation.exitCode must be between 0 and 255.", hint + " A process exit code; default 1."));
        }
        return f;
    }

    private static List<FieldError> limitChecks(DeploymentRequest.Limits l) {
        List<FieldError> f = new ArrayList<>();
        Integer runtime = l == null ? null : l.maxRuntimeMinutes();
        if (runtime == null || runtime < 1 || runtime > MAX_RUNTIME_MINUTES) {
            f.add(new FieldError("limits.maxRuntimeMinutes", "MAX_RUNTIME_INVALID",
                    "limits.maxRuntimeMinutes must be between 1 and " + MAX_RUNTIME_MINUTES + ".",
                    "The pod is terminated when this runtime is reached."));
        }
        BigDecimal cost = l == null ? null : l.maxCostUsd();
        if (cost == null || cost.signum() <= 0 || cost.compareTo(MAX_COST_USD) > 0
                || cost.stripTrailingZeros().scale() > MAX_COST_SCALE) {
            f.add(new FieldError("limits.maxCostUsd", "MAX_COST_INVALID", "limits.maxCostUsd must be above 0 and at "
                    + "most " + MAX_COST_USD + ", with at most " + MAX_COST_SCALE + " decimal places.",
                    "The pod is terminated when its cost reaches this amount."));
        }
        Integer idle = l == null ? null : l.idleMinutes();
        if (idle != null && (idle < 1 || idle > 24 * 60)) {
            f.add(new FieldError("limits.idleMinutes", "IDLE_MINUTES_INVALID",
                    "limits.idleMinutes must be between 1 and 1440 when given.",
                    "The pod is terminated when its GPUs stay idle this long."));
        }
        Integer wait = l == null ? null : l.capacityWaitMinutes();
        if (wait != null && (wait < 0 || wait > 24 * 60)) {
            f.add(new FieldError("limits.capacityWaitMinutes", "CAPACITY_WAIT_INVALID",
                    "limits.capacityWaitMinutes must be between 0 and 1440 when given.",
                    "How long to keep trying when no GPU type has capacity; 0 fails at once."));
        }
        Integer recoveries = l == null ? null : l.maxRecoveries();
        if (recoveries != null && (recoveries < 0 || recoveries > MAX_RECOVERIES)) {
            f.add(new FieldError("limits.maxRecoveries", "MAX_RECOVERIES_INVALID",
                    "limits.maxRecoveries must be between 0 and " + MAX_RECOVERIES + " when given.",
                    "How many lost pods are replaced automatically (default "
                            + DeploymentRequest.Limits.DEFAULT_MAX_RECOVERIES + "); 0 turns recovery off."));
        }
        return f;
    }

    private static List<FieldError> datasetChecks(DeploymentRequest r, Optional<DatasetSummary> found) {
        if (r.datasetId() == null) {
            return List.of();
        }
        if (found.isEmpty()) {
            return List.of(new FieldError("datasetId", "DATASET_NOT_FOUND", "No dataset of yours has this id.",
                    "List yours with GET /api/v1/datasets."));
        }
        DatasetSummary ds = found.get();
        if ("INVALID".equals(ds.format())) {
            return List.of(new FieldError("datasetId", "DATASET_INVALID",
                    "The dataset failed validation (" + ds.errorCount() + " errors).",
                    "See its errors with GET /api/v1/datasets/" + ds.id() + ", fix the lines and upload again."));
        }
        List<String> fits = ds.fitsMethods() == null ? List.of() : ds.fitsMethods();
        if (r.method() != null && METHODS.contains(r.method()) && !fits.contains(r.method())) {
            return List.of(new FieldError("method", "DATASET_METHOD_MISMATCH",
                    "A " + ds.format() + " dataset cannot train with " + r.method() + ".",
                    "DPO needs rows with prompt, chosen and rejected; SFT takes messages, prompt/completion or text."));
        }
        return List.of();
    }

    /**
     * Checks each GPU candidate against the catalog (known, count allowed, memory enough for the model and method)
     * and, when the rest of the request is sound, estimates the cost on the first candidate the catalog offers and
     * holds its low bound against the budget.
     */
    private Uni<GpuOutcome> gpuChecks(UUID credential, DeploymentRequest r, DatasetSummary dataset, boolean sound) {
        if (r.gpu() == null || r.gpu().types() == null) {
            return Uni.createFrom().item(new GpuOutcome(List.of(), null));
        }
        return catalogs.forEstimate(credential, () -> vault.openCredential(credential)).map(catalog -> {
            Map<String, RunPodModels.CatalogGpu> byId = catalog.gpus().stream()
                    .collect(Collectors.toMap(RunPodModels.CatalogGpu::id, Function.identity(), (a, b) -> a));
            List<FieldError> f = new ArrayList<>();
            List<String> types = r.gpu().types();
            ModelSizing.Adapter adapter = ModelSizing.Adapter.of(hyperparameters.resolve(r.hyperparameters())
                    .get("adapter"));
            RunPodModels.CatalogGpu first = null;
            for (int i = 0; i < types.size(); i++) {
                RunPodModels.CatalogGpu gpu = byId.get(types.get(i));
                if (gpu == null) {
                    f.add(new FieldError("gpu.types[" + i + "]", "GPU_TYPE_UNKNOWN",
                            "RunPod has no GPU type \"" + types.get(i) + "\".",
                            "Use an id from GET /api/v1/gpu-types (ids, not display names)."));
                    continue;
                }
                if (gpu.maxCountFor(r.cloud()) != null && r.gpuCount() > gpu.maxCountFor(r.cloud())
                        && r.gpuCount() <= MAX_GPU_COUNT) { // beyond it, GPU_COUNT_INVALID says it once
                    f.add(new FieldError("gpu.count", "GPU_COUNT_TOO_HIGH", types.get(i) + " allows at most "
                            + gpu.maxCountFor(r.cloud()) + " GPUs per pod in the " + r.cloud() + " cloud.",
                            "Lower gpu.count or choose a GPU type with more memory."));
                }
                memoryCheck(r, adapter, gpu, i).ifPresent(f::add);
                if (first == null && !"NONE".equals(gpu.availability())) {
                    first = gpu;
                }
            }
            if (first == null || !sound) {
                return new GpuOutcome(f, null);
            }
            CostEstimate estimate = estimator.estimate(r, dataset, first);
            if (estimate.costUsd().low().compareTo(r.limits().maxCostUsd()) > 0) {
                f.add(new FieldError("limits.maxCostUsd", "ESTIMATE_ABOVE_BUDGET", "Even the low estimate, "
                        + estimate.costUsd().low() + " USD on " + first.id() + " (" + estimate.runtimeMinutes().low()
                        + " min), is above limits.maxCostUsd " + r.limits().maxCostUsd() + " USD.",
                        "Raise limits.maxCostUsd to at least " + estimate.costUsd().high() + " USD (the high "
                                + "estimate), or train fewer epochs, a smaller model, or use a LoRA adapter. "
                                + "See POST /api/v1/estimates for the assumptions."));
            }
            return new GpuOutcome(f, estimate);
        }).onFailure(RunPodException.class).recoverWithItem(e ->
                new GpuOutcome(List.of(keyProblem((RunPodException) e)), null));
    }

    private static Optional<FieldError> memoryCheck(DeploymentRequest r, ModelSizing.Adapter adapter,
                                                    RunPodModels.CatalogGpu gpu, int i) {
        Optional<Double> billions = ModelSizing.billions(r.baseModel());
        if (billions.isEmpty() || gpu.memory() == null) {
            return Optional.empty();
        }
        double need = ModelSizing.memoryPerGpuGb(billions.get(), adapter, r.method(), r.gpuCount());
        if (need <= gpu.memory()) {
            return Optional.empty();
        }
        return Optional.of(new FieldError("gpu.types[" + i + "]", "GPU_MEMORY_TOO_SMALL", String.format(
                java.util.Locale.ROOT, "%s (%.1fB parameters, %s, %s) needs about %.1f GB per GPU; %s has %d GB.",
                r.baseModel(), billions.get(), adapter, r.method(), need, gpu.id(), gpu.memory()),
                adapter == ModelSizing.Adapter.QLORA
                        ? "Choose a GPU type with at least " + (int) Math.ceil(need) + " GB, or a smaller model."
                        : "Choose a GPU type with at least " + (int) Math.ceil(need) + " GB, or train with less "
                                + "memory: set hyperparameters.adapter to \"" + (adapter == ModelSizing.Adapter.FULL
                                        ? "lora" : "qlora") + "\"" + (adapter == ModelSizing.Adapter.FULL
                                        ? " (or add GPUs: full fine-tuning is sharded)" : "") + "."));
    }

    private static FieldError keyProblem(RunPodException e) {
        return switch (e.kind()) {
            case UNAUTHORIZED, FORBIDDEN -> new FieldError("runpodKey", "RUNPOD_KEY_REJECTED",
                    "RunPod rejected the stored API key.",
                    "Create a key with read/write access in the RunPod console and store it again.");
            default -> new FieldError("gpu.types", "GPU_CATALOG_UNAVAILABLE",
                    "The RunPod GPU catalog could not be read: " + e.getMessage(), "Try again in a minute.");
        };
    }
}
