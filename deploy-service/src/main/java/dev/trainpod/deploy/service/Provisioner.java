package dev.trainpod.deploy.service;

import dev.trainpod.common.dataset.MintedToken;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.tracing.DeploymentTraces;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.JobSpec;
import dev.trainpod.deploy.client.DatasetServiceClient;
import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.client.RunPodException;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.vault.SecretKind;
import dev.trainpod.deploy.vault.SecretVault;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Gets a pod for a deployment that has been claimed for provisioning: mints its dataset token and job token, then
 * tries the {@link GpuCandidates} in the user's order, moving on when one has no capacity; when none has any, the
 * {@link CapacityWait} decides. Each pod returned is recorded by the {@link PodRecorder}. Whatever the outcome, the
 * provisioning claim is released at the end, so a deployment that ended meanwhile without a pod is announced.
 */
@ApplicationScoped
public class Provisioner {

    private static final Logger LOG = Logger.getLogger(Provisioner.class);

    private final SecretVault vault;
    private final PodCredentials credentials;
    private final DatasetServiceClient datasets;
    private final RunPodClient runPod;
    private final TokenSigner tokens;
    private final PodSpecFactory specs;
    private final GpuCandidates candidates;
    private final CapacityWait capacity;
    private final PodRecorder recorder;
    private final DeploymentRepository deployments;
    private final DeploymentStateMachine states;
    private final Failures failures;
    private final DeployConfig config;
    @Inject
    DeploymentTraces traces;

    public Provisioner(SecretVault vault, PodCredentials credentials, DatasetServiceClient datasets, RunPodClient runPod, TokenSigner tokens,
                       PodSpecFactory specs, GpuCandidates candidates, CapacityWait capacity, PodRecorder recorder,
                       DeploymentRepository deployments, DeploymentStateMachine states, Failures failures,
                       DeployConfig config) {
        this.vault = vault;
        this.credentials = credentials;
        this.datasets = datasets;
        this.runPod = runPod;
        this.tokens = tokens;
        this.specs = specs;
        this.candidates = candidates;
        this.capacity = capacity;
        this.recorder = recorder;
        this.deployments = deployments;
        this.states = states;
        this.failures = failures;
        this.config = config;
    }

    /** A deployment with the user's RunPod key and Hugging Face token (either may be null). */
    private record Claimed(Deployment deployment, String apiKey, String huggingFaceToken) {
    }

    /** Provisions the deployment; every outcome, including failure, ends in a recorded status. */
    public Uni<Void> provision(UUID id) {
        return traces.within("provision", id, () -> provisionUnreleased(id).eventually(() -> releaseClaim(id)));
    }

    private Uni<Void> provisionUnreleased(UUID id) {
        return Panache.withSession(() -> deployments.findById(id)).chain(d -> credentials
                        .bindCurrent(d.id, d.userId)
                        .chain(key -> Panache.withSession(() -> vault.open(d.userId, SecretKind.HUGGINGFACE))
                                .map(hf -> new Claimed(d, key.orElse(null), hf.orElse(null)))))
                .chain(c -> c.apiKey() == null
                        ? fail(id, FailureReason.FAILED_PRECHECKS,
                                "The RunPod API key was removed before the pod could be created.")
                        : launch(c.deployment(), c.deployment().spec(), c.apiKey(), c.huggingFaceToken()))
                .onFailure().recoverWithUni(e -> {
                    LOG.errorf("provisioning deployment %s failed: %s", id, e.getMessage());
                    return fail(id, FailureReason.FAILED_PROVIDER, "Provisioning failed: " + e.getMessage());
                });
    }

    /**
     * Provisions a deployment claimed again after the replica provisioning it died: adopts its pod if the create
     * call had made one, and provisions it afresh otherwise.
     */
    public Uni<Void> resume(UUID id) {
        LOG.infof("deployment %s: claimed again after its provisioning replica stopped", id);
        return Panache.withSession(() -> deployments.findById(id).chain(d ->
                        credentials.forDeployment(d).map(key -> new Claimed(d, key.orElse(null), null))))
                .chain(c -> c.apiKey() == null ? provisionUnreleased(id)
                        : runPod.findByName(c.apiKey(), specs.podName(c.deployment())).chain(pod ->
                                pod.isPresent() ? recorder.adopt(id, pod.get(), c.apiKey()) : provisionUnreleased(id)))
                .onFailure().recoverWithUni(e -> {
                    LOG.errorf("resuming the provisioning of deployment %s failed: %s", id, e.getMessage());
                    return fail(id, FailureReason.FAILED_PROVIDER, "Provisioning failed: " + e.getMessage());
                })
                .eventually(() -> releaseClaim(id));
    }

    private Uni<Void> launch(Deployment d, JobSpec spec, String apiKey, String huggingFaceToken) {
        Instant tokenExpiry = Instant.now().plus(Duration.ofMinutes(spec.limits().maxRuntimeMinutes()))
                .plus(config.jobTokenMargin()).plusSeconds(60L * spec.limits().capacityWait());
        long downloadTtl = Duration.between(Instant.now(), tokenExpiry).toSeconds(); // cut to 2 h: the pod refreshes
        return candidates.of(apiKey, spec).chain(types -> types.isEmpty()
                ? capacity.noCapacity(d.id, d.provisioningBase(), spec)
                : datasets.mintToken(d.userId, d.datasetId, d.id, downloadTtl).chain(token -> validationToken(d, spec,
                        downloadTtl).chain(validation -> wandbKey(d, spec).chain(wandb -> tokens
                        .jobTokenOffTheEventLoop(d.id, d.userId, tokenExpiry).chain(jobToken ->
                                tryCandidates(d, spec, apiKey, types, 0, type -> specs.spec(d, spec, token,
                                        validation.orElse(null), jobToken, huggingFaceToken, wandb.orElse(null),
                                        type)))))));
    }

    /** A download link for the validation dataset, when the validation set is a second dataset. */
    private Uni<Optional<MintedToken>> validationToken(Deployment d, JobSpec spec, long ttl) {
        UUID validation = spec.validation() == null ? null : spec.validation().datasetId();
        return validation == null ? Uni.createFrom().item(Optional.empty())
                : datasets.mintToken(d.userId, validation, d.id, ttl).map(Optional::of);
    }

    /** The user's W&B key, opened only for a deployment that reports to W&B. */
    private Uni<Optional<String>> wandbKey(Deployment d, JobSpec spec) {
        return spec.reporting() == null || spec.reporting().wandb() == null ? Uni.createFrom().item(Optional.empty())
                : Panache.withSession(() -> vault.open(d.userId, SecretKind.WANDB));
    }

    private Uni<Void> tryCandidates(Deployment d, JobSpec spec, String apiKey, List<String> types, int i,
                                    Function<String, RunPodModels.CreatePod> podSpec) {
        if (i >= types.size()) {
            return capacity.noCapacity(d.id, d.provisioningBase(), spec);
        }
        String type = types.get(i);
        return runPod.createPod(apiKey, podSpec.apply(type),
                        () -> Panache.withSession(() -> deployments.stillWithoutPod(d.id)))
                .chain(pod -> pod == null ? Uni.createFrom().voidItem()
                        : recorder.created(d.id, pod, type, spec.gpuCount(), spec.cloud(), apiKey,
                                "Pod " + pod.id() + " created on " + type))
                .onFailure(RunPodException.class).recoverWithUni(f -> {
                    RunPodException e = (RunPodException) f;
                    if (e.kind() == RunPodException.Kind.NO_CAPACITY) {
                        LOG.infof("deployment %s: no capacity on %s, trying the next GPU type", d.id, type);
                        return tryCandidates(d, spec, apiKey, types, i + 1, podSpec);
                    }
                    return fail(d.id, FailureReason.FAILED_PROVIDER, ProviderMessages.createRefused(e));
                });
    }

    /** This replica no longer provisions the deployment: no create call of it is in flight any more. */
    private Uni<Void> releaseClaim(UUID id) {
        return Panache.withTransaction(() -> deployments.locked(id).chain(d -> d == null
                        ? Uni.createFrom().voidItem() : states.releaseClaim(d)))
                .onFailure().invoke(e -> LOG.warnf("releasing the provisioning claim of %s failed: %s", id,
                        e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> fail(UUID id, FailureReason reason, String message) {
        return failures.fail(id, reason, message).replaceWithVoid();
    }
}
