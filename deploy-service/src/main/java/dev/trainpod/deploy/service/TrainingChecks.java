package dev.trainpod.deploy.service;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.problem.Problem.FieldError;
import dev.trainpod.deploy.client.HubAccess;
import dev.trainpod.deploy.client.HuggingFaceClient;
import dev.trainpod.deploy.problem.DeployProblems;
import dev.trainpod.deploy.api.DeploymentRequest;
import dev.trainpod.deploy.api.TrainingOptions;
import dev.trainpod.deploy.vault.SecretKind;
import dev.trainpod.deploy.vault.SecretVault;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The pre-flight checks of the training options (issue 14): the validation set, early stopping, checkpoints, whether
 * the pod's GPUs can all be used, the Hugging Face push (against the stored token's write permission, asked of the
 * Hub) and the reporting options. Every failure carries the field, a stable code and a hint; nothing is billed.
 */
@ApplicationScoped
public class TrainingChecks {

    /** The largest share of the dataset a validation split may hold out. */
    static final double MAX_VALIDATION_FRACTION = 0.5;
    static final int MAX_STEPS_SETTING = 1_000_000;
    static final int MAX_PATIENCE = 100;
    static final double MAX_MIN_DELTA = 10;
    static final int MAX_CHECKPOINT_MINUTES = 24 * 60;
    /** A Hub repository id: namespace/name, letters, digits, '-', '_' and '.' (the Hub's own rule, 96 at most). */
    private static final Pattern HUB_REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern HUB_REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,127}");

    private final DatasetSummaries datasets;
    private final SecretVault vault;
    private final HuggingFaceClient hub;
    private final HyperparameterRules hyperparameters;

    public TrainingChecks(DatasetSummaries datasets, SecretVault vault, HuggingFaceClient hub,
                          HyperparameterRules hyperparameters) {
        this.datasets = datasets;
        this.vault = vault;
        this.hub = hub;
        this.hyperparameters = hyperparameters;
    }

    /** Every failure of the request's training options; {@code dataset} is the training set when it was found. */
    public Uni<List<FieldError>> check(String userId, DeploymentRequest r, DatasetSummary dataset) {
        return remoteChecks(userId, r).map(remote -> check(r, dataset, remote));
    }

    /**
     * The checks that ask elsewhere, to start before the training set is known: the validation set at
     * dataset-service beside the Hub push's token and permission and the W&B key (these two one after the other: they
     * share the request's session).
     */
    public Uni<List<FieldError>> remoteChecks(String userId, DeploymentRequest r) {
        Uni<List<FieldError>> accounts = huggingFace(userId, r.huggingface())
                .chain(hub -> wandb(userId, r.reporting()).map(w -> concat(hub, w)));
        return Uni.combine().all().unis(validationDataset(userId, r), accounts).with(TrainingChecks::concat);
    }

    /**
     * Every failure of the request's training options, given the training set ({@code dataset}, null when it was not
     * found) and what {@link #remoteChecks} found, in the order {@link #check(String, DeploymentRequest,
     * DatasetSummary)} reports them.
     */
    public List<FieldError> check(DeploymentRequest r, DatasetSummary dataset, List<FieldError> remote) {
        List<FieldError> f = new ArrayList<>(staticChecks(r));
        gpuCountCheck(r, dataset).ifPresent(f::add);
        f.addAll(remote);
        return f;
    }

    private static List<FieldError> concat(List<FieldError> a, List<FieldError> b) {
        List<FieldError> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static List<FieldError> staticChecks(DeploymentRequest r) {
        List<FieldError> f = new ArrayList<>();
        TrainingOptions.Validation v = r.validation();
        if (v != null) {
            if ((v.datasetId() == null) == (v.fraction() == null)) {
                f.add(new FieldError("validation", "VALIDATION_INVALID",
                        "validation needs exactly one of datasetId and fraction.",
                        "Give a second dataset of yours ({\"datasetId\": \"...\"}) or hold out a share of the "
                                + "training set ({\"fraction\": 0.1})."));
            }
            if (v.fraction() != null && !(v.fraction() > 0 && v.fraction() <= MAX_VALIDATION_FRACTION)) {
                f.add(new FieldError("validation.fraction", "VALIDATION_FRACTION_INVALID",
                        "validation.fraction must be above 0 and at most " + MAX_VALIDATION_FRACTION + ".",
                        "0.05 to 0.1 is usual: the rows held out are not trained on."));
            }
            if (v.everySteps() != null && (v.everySteps() < 1 || v.everySteps() > MAX_STEPS_SETTING)) {
                f.add(new FieldError("validation.everySteps", "VALIDATION_INTERVAL_INVALID",
                        "validation.everySteps must be between 1 and " + MAX_STEPS_SETTING + ".",
                        "Each evaluation costs a pass over the validation set; default 50."));
            }
            if (v.datasetId() != null && v.datasetId().equals(r.datasetId())) {
                f.add(new FieldError("validation.datasetId", "VALIDATION_SAME_DATASET",
                        "The validation set is the training set: its loss says nothing about generalisation.",
                        "Upload a separate validation dataset, or use validation.fraction to hold rows out."));
            }
        }
        TrainingOptions.EarlyStopping e = r.earlyStopping();
        if (e != null) {
            if (v == null) {
                f.add(new FieldError("earlyStopping", "EARLY_STOPPING_NEEDS_VALIDATION",
                        "earlyStopping needs a validation set: it stops on eval loss.",
                        "Add \"validation\": {\"fraction\": 0.1} (or a second dataset's id)."));
            }
            if (e.patience() != null && (e.patience() < 1 || e.patience() > MAX_PATIENCE)) {
                f.add(new FieldError("earlyStopping.patience", "EARLY_STOPPING_INVALID",
                        "earlyStopping.patience must be between 1 and " + MAX_PATIENCE + ".",
                        "Evaluations in a row without improvement before training stops; default 3."));
            }
            if (e.minDelta() != null && !(e.minDelta() >= 0 && e.minDelta() <= MAX_MIN_DELTA)) {
                f.add(new FieldError("earlyStopping.minDelta", "EARLY_STOPPING_INVALID",
                        "earlyStopping.minDelta must be between 0 and " + (int) MAX_MIN_DELTA + ".",
                        "How much lower the eval loss must get to count as an improvement; default 0."));
            }
        }
        TrainingOptions.Checkpoint c = r.checkpoint();
        if (c != null && c.everySteps() != null && (c.everySteps() < 1 || c.everySteps() > MAX_STEPS_SETTING)) {
            f.add(new FieldError("checkpoint.everySteps", "CHECKPOINT_INTERVAL_INVALID",
                    "checkpoint.everySteps must be between 1 and " + MAX_STEPS_SETTING + ".",
                    "Omit it to checkpoint every hyperparameters.saveSteps steps (default 200)."));
        }
        if (c != null && c.everyMinutes() != null && (c.everyMinutes() < 1
                || c.everyMinutes() > MAX_CHECKPOINT_MINUTES)) {
            f.add(new FieldError("checkpoint.everyMinutes", "CHECKPOINT_INTERVAL_INVALID",
                    "checkpoint.everyMinutes must be between 1 and " + MAX_CHECKPOINT_MINUTES + ".",
                    "Omit it for a default from the estimate (a tenth of the expected runtime, 5 to 30 minutes)."));
        }
        f.addAll(outputChecks(r.huggingface()));
        f.addAll(reportingChecks(r.reporting()));
        return f;
    }

    private static List<FieldError> outputChecks(TrainingOptions.HuggingFace h) {
        if (h == null) {
            return List.of();
        }
        List<FieldError> f = new ArrayList<>();
        if (h.repo() == null || !HUB_REPO.matcher(h.repo()).matches()) {
            f.add(new FieldError("output.huggingface.repo", "HF_REPO_INVALID",
                    "output.huggingface.repo must be <namespace>/<name>.",
                    "The namespace is your Hugging Face user name or an organisation you may write to, e.g. "
                            + "\"alice/qwen-support-lora\"."));
        }
        if (h.weights() != null && !List.of("adapter", "merged").contains(h.weights())) {
            f.add(new FieldError("output.huggingface.weights", "HF_WEIGHTS_INVALID",
                    "output.huggingface.weights must be adapter or merged.",
                    "adapter pushes the LoRA adapter (small); merged pushes the base model with it merged in."));
        }
        if (h.revision() != null && (!HUB_REVISION.matcher(h.revision()).matches() || h.revision().contains(".."))) {
            f.add(new FieldError("output.huggingface.revision", "HF_REVISION_INVALID",
                    "output.huggingface.revision must be a branch name.", "Omit it to push to main."));
        }
        return f;
    }

    private static List<FieldError> reportingChecks(TrainingOptions.Reporting reporting) {
        if (reporting == null) {
            return List.of();
        }
        List<FieldError> f = new ArrayList<>();
        if (reporting.wandb() != null && (reporting.wandb().project() == null
                || reporting.wandb().project().isBlank())) {
            f.add(new FieldError("reporting.wandb.project", "WANDB_PROJECT_REQUIRED",
                    "reporting.wandb.project is required.", "Name the W&B project the run goes to."));
        }
        if (reporting.mlflow() != null && !httpUrl(reporting.mlflow().trackingUri())) {
            f.add(new FieldError("reporting.mlflow.trackingUri", "MLFLOW_URI_INVALID",
                    "reporting.mlflow.trackingUri must be an http(s) URL.",
                    "The pod reports to this MLflow tracking server, e.g. \"https://mlflow.example.com\"."));
        }
        return f;
    }

    private static boolean httpUrl(String value) {
        try {
            URI uri = value == null ? null : URI.create(value);
            return uri != null && uri.getHost() != null && ("https".equals(uri.getScheme())
                    || "http".equals(uri.getScheme()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Data-parallel training gives every GPU its own batches: a dataset with fewer training rows than
     * {@code gpu.count × batchSize} leaves GPUs without a batch, billed and idle. Refused, with the counts that fit.
     */
    Optional<FieldError> gpuCountCheck(DeploymentRequest r, DatasetSummary dataset) {
        int count = r.gpuCount();
        if (count <= 1 || count > PreflightChecks.MAX_GPU_COUNT || dataset == null || dataset.rows() <= 0) {
            return Optional.empty();
        }
        Map<String, Object> hp = hyperparameters.resolve(r.hyperparameters());
        int batch = hp.get("batchSize") instanceof Number n ? n.intValue() : 1;
        long training = trainingRows(dataset.rows(), r.validation());
        if (training >= (long) count * batch) {
            return Optional.empty();
        }
        long usable = Math.max(1, training / Math.max(1, batch));
        return Optional.of(new FieldError("gpu.count", "GPU_COUNT_UNUSABLE", String.format(java.util.Locale.ROOT,
                "%d GPUs cannot all be used: data-parallel %s training gives each GPU batches of %d rows, and the "
                        + "dataset has %d training rows.", count, ModelSizing.Adapter.of(hp.get("adapter")), batch,
                training), "Use gpu.count " + usable + " or fewer (every GPU is billed), a smaller "
                + "hyperparameters.batchSize, or a larger dataset."));
    }

    /** The rows left for training once a validation fraction is held out (the trainer's rounding). */
    static long trainingRows(long rows, TrainingOptions.Validation v) {
        if (v == null || v.fraction() == null || rows < 2) {
            return rows;
        }
        long held = Math.min(rows - 1, Math.max(1, Math.round(rows * v.fraction())));
        return rows - held;
    }

    private Uni<List<FieldError>> validationDataset(String userId, DeploymentRequest r) {
        if (r.validation() == null || r.validation().datasetId() == null
                || r.validation().datasetId().equals(r.datasetId())) {
            return Uni.createFrom().item(List.of());
        }
        return datasets.dataset(r.validation().datasetId(), userId)
                .onFailure().transform(e -> DeployProblems.datasetServiceUnavailable()).map(found -> {
            if (found.isEmpty()) {
                return List.of(new FieldError("validation.datasetId", "VALIDATION_DATASET_NOT_FOUND",
                        "No dataset of yours has this id.", "List yours with GET /api/v1/datasets."));
            }
            DatasetSummary ds = found.get();
            if ("INVALID".equals(ds.format())) {
                return List.of(new FieldError("validation.datasetId", "VALIDATION_DATASET_INVALID",
                        "The validation dataset failed validation (" + ds.errorCount() + " errors).",
                        "See its errors with GET /api/v1/datasets/" + ds.id() + "."));
            }
            List<String> fits = ds.fitsMethods() == null ? List.of() : ds.fitsMethods();
            if (r.method() != null && PreflightChecks.METHODS.contains(r.method()) && !fits.contains(r.method())) {
                return List.of(new FieldError("validation.datasetId", "VALIDATION_DATASET_METHOD_MISMATCH",
                        "A " + ds.format() + " validation dataset cannot evaluate " + r.method() + ".",
                        "The validation set needs rows of the training set's kind."));
            }
            return List.<FieldError>of();
        });
    }

    private Uni<List<FieldError>> huggingFace(String userId, TrainingOptions.HuggingFace h) {
        if (h == null || h.repo() == null || !HUB_REPO.matcher(h.repo()).matches()) {
            return Uni.createFrom().item(List.of());
        }
        String field = "output.huggingface.repo";
        return Panache.withSession(() -> vault.open(userId, SecretKind.HUGGINGFACE)).chain(token -> token.isEmpty()
                ? Uni.createFrom().item(List.of(new FieldError(field, "HF_TOKEN_MISSING",
                        "No Hugging Face token is stored, so nothing can be pushed to " + h.repo() + ".",
                        "Store a token with write access: PUT /api/v1/secrets/huggingface {\"token\": \"hf_...\"} "
                                + "(huggingface.co > Settings > Access Tokens, role Write).")))
                : hub.writeAccess(token.get(), h.repo()).map(access -> hubFailure(field, h.repo(), access)));
    }

    private static List<FieldError> hubFailure(String field, String repo, HubAccess access) {
        String namespace = repo.substring(0, repo.indexOf('/'));
        return switch (access.kind()) {
            case CAN_WRITE -> List.of();
            case CANNOT_WRITE -> List.of(new FieldError(field, "HF_TOKEN_CANNOT_WRITE",
                    "The stored Hugging Face token may not push to " + repo + ": " + access.detail() + ".",
                    "Store a token with the Write role (or a fine-grained token with repo.write on " + namespace
                            + ") with PUT /api/v1/secrets/huggingface, or push to a namespace you can write to."));
            case REJECTED -> List.of(new FieldError(field, "HF_TOKEN_REJECTED",
                    "The Hugging Face Hub rejected the stored token.",
                    "The token was revoked or mistyped: create one at huggingface.co > Settings > Access Tokens "
                            + "and store it with PUT /api/v1/secrets/huggingface."));
            case UNAVAILABLE -> List.of(new FieldError(field, "HF_HUB_UNAVAILABLE",
                    "The stored token's permissions could not be checked: " + access.detail() + ".",
                    "Try again in a minute; nothing was started."));
        };
    }

    private Uni<List<FieldError>> wandb(String userId, TrainingOptions.Reporting reporting) {
        if (reporting == null || reporting.wandb() == null) {
            return Uni.createFrom().item(List.of());
        }
        return Panache.withSession(() -> vault.last4(userId, SecretKind.WANDB)).map(key -> key.isPresent()
                ? List.<FieldError>of()
                : List.of(new FieldError("reporting.wandb", "WANDB_KEY_MISSING", "No W&B API key is stored.",
                        "Store one with PUT /api/v1/secrets/wandb {\"apiKey\": \"...\"} (wandb.ai/authorize).")));
    }
}
