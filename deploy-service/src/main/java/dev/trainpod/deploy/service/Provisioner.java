package dev.trainpod.deploy.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.PodStarted;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.client.DatasetServiceClient;
import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.client.RunPodException;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.rest.DeploymentRequest;
import dev.trainpod.deploy.vault.SecretKind;
import dev.trainpod.deploy.vault.SecretVault;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Gets a pod for a deployment that has been claimed for provisioning: mints its dataset token and job token,
 * then tries the GPU candidates in the user's order, moving on when one has no capacity. When none has any, the
 * deployment waits (back in PENDING, with backoff) up to {@code limits.capacityWaitMinutes}, then fails.
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
    private final Transitions transitions;
    private final Terminator terminator;
    private final Failures failures;
    private final Outbox outbox;
    private final DeployConfig config;
    private final ObjectMapper json;

    public Provisioner(SecretVault vault, PodCredentials credentials, DatasetServiceClient datasets,
                       RunPodClient runPod, TokenSigner tokens, PodSpecFactory specs, Transitions transitions,
                       Terminator terminator, Failures failures, Outbox outbox, DeployConfig config,
                       ObjectMapper json) {
        this.vault = vault;
        this.credentials = credentials;
        this.datasets = datasets;
        this.runPod = runPod;
        this.tokens = tokens;
        this.specs = specs;
        this.transitions = transitions;
        this.terminator = terminator;
        this.failures = failures;
        this.outbox = outbox;
        this.config = config;
        this.json = json;
    }

    /** A deployment with the user's RunPod key and Hugging Face token (either may be null). */
    private record Claimed(Deployment deployment, String apiKey, String huggingFaceToken) {
    }

    /** What to do with a pod the create call returned. */
    private enum Recorded { STARTED, ENDED_MEANWHILE, DUPLICATE }

    /** Provisions the deployment; every outcome, including failure, ends in a recorded status. */
    public Uni<Void> provision(UUID id) {
        return Panache.withSession(() -> Deployment.<Deployment>findById(id)).chain(d -> credentials
                        .bindCurrent(d.id, d.userId)
                        .chain(key -> Panache.withSession(() -> vault.open(d.userId, SecretKind.HUGGINGFACE))
                                .map(hf -> new Claimed(d, key.orElse(null), hf.orElse(null)))))
                .chain(c -> c.apiKey() == null
                        ? fail(id, FailureReason.FAILED_PRECHECKS,
                                "The RunPod API key was removed before the pod could be created.")
                        : launch(c.deployment(), request(c.deployment()), c.apiKey(), c.huggingFaceToken()))
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
        return Panache.withSession(() -> Deployment.<Deployment>findById(id).chain(d ->
                        credentials.forDeployment(d).map(key -> new Claimed(d, key.orElse(null), null))))
                .chain(c -> c.apiKey() == null ? provision(id)
                        : runPod.findByName(c.apiKey(), specs.podName(c.deployment())).chain(pod ->
                                pod.isPresent() ? adopt(id, pod.get(), c.apiKey()) : provision(id)))
                .onFailure().recoverWithUni(e -> {
                    LOG.errorf("resuming the provisioning of deployment %s failed: %s", id, e.getMessage());
                    return fail(id, FailureReason.FAILED_PROVIDER, "Provisioning failed: " + e.getMessage());
                });
    }

    /**
     * Adopts a pod that was created for the deployment but never recorded (the service stopped between the create
     * call and its commit); does nothing unless the deployment is still PROVISIONING without a pod.
     */
    public Uni<Void> adopt(UUID id, RunPodModels.Pod pod, String apiKey) {
        LOG.infof("deployment %s: adopting pod %s found at RunPod", id, pod.id());
        String type = pod.gpu() == null ? null : pod.gpu().id();
        int count = pod.gpu() == null || pod.gpu().count() == null ? 1 : pod.gpu().count();
        return record(id, pod, type, count, pod.cloud(), "Adopted pod " + pod.id() + " on " + type
                + ", created before deploy-service could record it.")
                .chain(outcome -> afterRecord(id, pod, apiKey, outcome));
    }

    private Uni<Void> launch(Deployment d, DeploymentRequest r, String apiKey, String huggingFaceToken) {
        Instant tokenExpiry = Instant.now().plus(Duration.ofMinutes(r.limits().maxRuntimeMinutes()))
                .plus(config.jobTokenMargin()).plusSeconds(60L * r.limits().capacityWait());
        long downloadTtl = Math.max(7200, Duration.between(Instant.now(), tokenExpiry).toSeconds());
        return candidates(apiKey, r).chain(types -> types.isEmpty()
                ? noCapacity(d, r)
                : datasets.mintToken(d.userId, d.datasetId, d.id, downloadTtl).chain(token -> {
                    String jobToken = tokens.jobToken(d.id, d.userId, tokenExpiry);
                    return tryCandidates(d, r, apiKey, types, 0,
                            type -> specs.spec(d, r, token, jobToken, huggingFaceToken, type));
                }));
    }

    /** The user's GPU types in order, less those the catalog says have no availability at all. */
    private Uni<List<String>> candidates(String apiKey, DeploymentRequest r) {
        return runPod.gpuCatalog(apiKey).map(catalog -> {
            Map<String, RunPodModels.CatalogGpu> byId = catalog.gpus().stream()
                    .collect(Collectors.toMap(RunPodModels.CatalogGpu::id, Function.identity(), (a, b) -> a));
            return r.gpu().types().stream()
                    .filter(t -> byId.get(t) == null || !"NONE".equals(byId.get(t).availability()))
                    .toList();
        }).onFailure().recoverWithItem(r.gpu().types());
    }

    private Uni<Void> tryCandidates(Deployment d, DeploymentRequest r, String apiKey, List<String> types, int i,
                                    Function<String, RunPodModels.CreatePod> spec) {
        if (i >= types.size()) {
            return noCapacity(d, r);
        }
        String type = types.get(i);
        return runPod.createPod(apiKey, spec.apply(type), () -> stillWithoutPod(d.id))
                .chain(pod -> pod == null ? Uni.createFrom().voidItem()
                        : record(d.id, pod, type, r.gpuCount(), r.cloud(), "Pod " + pod.id() + " created on "
                        + type).chain(outcome -> afterRecord(d.id, pod, apiKey, outcome)))
                .onFailure(RunPodException.class).recoverWithUni(f -> {
                    RunPodException e = (RunPodException) f;
                    if (e.kind() == RunPodException.Kind.NO_CAPACITY) {
                        LOG.infof("deployment %s: no capacity on %s, trying the next GPU type", d.id, type);
                        return tryCandidates(d, r, apiKey, types, i + 1, spec);
                    }
                    return fail(d.id, FailureReason.FAILED_PROVIDER, providerMessage(e));
                });
    }

    /** Whether the deployment still waits for a pod: PROVISIONING, none recorded (adopted or ended meanwhile). */
    private Uni<Boolean> stillWithoutPod(UUID id) {
        return Panache.withSession(() -> Deployment.<Deployment>findById(id))
                .map(d -> d != null && d.status == DeploymentStatus.PROVISIONING && d.podId == null);
    }

    /**
     * Every candidate is out of capacity: wait in PENDING until the next round, with backoff, while the capacity
     * wait lasts; then fail with nothing running.
     */
    private Uni<Void> noCapacity(Deployment d, DeploymentRequest r) {
        Instant waitEnds = d.createdAt.plus(Duration.ofMinutes(r.limits().capacityWait()));
        return Panache.withTransaction(() -> Deployment.<Deployment>findById(d.id, LockModeType.PESSIMISTIC_WRITE)
                .chain(fresh -> {
                    Duration pause = backoff(fresh.capacityRounds);
                    Instant next = Instant.now().plus(pause);
                    if (fresh.status != DeploymentStatus.PROVISIONING || next.isAfter(waitEnds)) {
                        return Uni.createFrom().item(false);
                    }
                    fresh.capacityRounds++;
                    fresh.nextAttemptAt = next;
                    return transitions.move(fresh, DeploymentStatus.PENDING, null, "No capacity on any of "
                            + r.gpu().types() + "; trying again in " + pause.toSeconds() + " s (waiting for "
                            + "capacity until " + waitEnds + ").").replaceWith(true);
                })).chain(waiting -> waiting ? Uni.createFrom().voidItem()
                : fail(d.id, FailureReason.FAILED_NO_CAPACITY, "No capacity on any of the GPU types "
                        + r.gpu().types() + " in the " + r.cloud() + " cloud"
                        + (r.limits().capacityWait() > 0 ? " for " + r.limits().capacityWait() + " min" : "")
                        + "; nothing is running or billing. Add GPU types to gpu.types, try the other cloud, "
                        + "or set limits.capacityWaitMinutes to wait for one."));
    }

    private Duration backoff(int round) {
        Duration d = config.capacityBackoff().multipliedBy(1L << Math.min(round, 10));
        return d.compareTo(config.capacityBackoffMax()) > 0 ? config.capacityBackoffMax() : d;
    }

    private Uni<Recorded> record(UUID id, RunPodModels.Pod pod, String type, int count, String cloud,
                                 String message) {
        return Panache.withTransaction(() -> Deployment.<Deployment>findById(id, LockModeType.PESSIMISTIC_WRITE)
                .chain(d -> {
                    if (pod.id().equals(d.podId)) {
                        return Uni.createFrom().item(Recorded.STARTED); // adopted meanwhile
                    }
                    if (d.podId != null) {
                        return Uni.createFrom().item(Recorded.DUPLICATE);
                    }
                    d.podId = pod.id();
                    d.gpuType = type;
                    d.gpuCount = count;
                    d.cloud = cloud == null ? "SECURE" : cloud;
                    d.costPerHour = pod.cost() == null ? BigDecimal.ZERO : pod.cost();
                    d.podCreatedAt = pod.createdAt() == null ? Instant.now() : pod.createdAt();
                    if (d.status != DeploymentStatus.PROVISIONING) {
                        return Uni.createFrom().item(Recorded.ENDED_MEANWHILE); // the pod goes at once
                    }
                    return transitions.move(d, DeploymentStatus.STARTING, null, message)
                            .chain(() -> outbox.publish(new PodStarted(d.id, pod.id(), type, d.gpuCount, d.cloud,
                                    d.costPerHour)))
                            .replaceWith(Recorded.STARTED);
                }));
    }

    private Uni<Void> afterRecord(UUID id, RunPodModels.Pod pod, String apiKey, Recorded outcome) {
        return switch (outcome) {
            case STARTED -> Uni.createFrom().voidItem();
            case ENDED_MEANWHILE -> terminator.terminate(id);
            case DUPLICATE -> {
                LOG.warnf("deployment %s already has a pod; terminating the duplicate %s", id, pod.id());
                yield runPod.terminatePod(apiKey, pod.id());
            }
        };
    }

    private Uni<Void> fail(UUID id, FailureReason reason, String message) {
        return failures.fail(id, reason, message).replaceWithVoid();
    }

    private static String providerMessage(RunPodException e) {
        return switch (e.kind()) {
            case UNAUTHORIZED -> "RunPod rejected the API key (401). Store a valid key with PUT /api/v1/secrets/runpod.";
            case INSUFFICIENT_BALANCE -> "The RunPod account balance is too low (402). Add credit in the RunPod "
                    + "console; creating a pod needs about one hour of credit.";
            case FORBIDDEN -> "The RunPod API key may not create pods (403). Give it read/write access.";
            default -> "RunPod refused the pod: " + e.getMessage();
        };
    }

    private DeploymentRequest request(Deployment d) {
        try {
            return json.readValue(d.request, DeploymentRequest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored request of " + d.id + " is unreadable", e);
        }
    }
}
