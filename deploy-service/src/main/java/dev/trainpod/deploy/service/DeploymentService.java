package dev.trainpod.deploy.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.problem.Problem;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.DeploymentTransition;
import dev.trainpod.deploy.JobSpec;
import dev.trainpod.deploy.api.CostEstimate;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.problem.DeployProblems;
import dev.trainpod.deploy.repository.AttemptRepository;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.api.DeploymentView;
import dev.trainpod.deploy.repository.TransitionRepository;
import dev.trainpod.deploy.api.DeploymentRequest;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import io.vertx.pgclient.PgException;

/** Accepts deployments after their pre-flight checks, and lets users read and cancel their own. */
@ApplicationScoped
public class DeploymentService {

    private final PreflightChecks preflight;
    private final DeploymentRepository deployments;
    private final TransitionRepository transitions;
    private final AttemptRepository attempts;
    private final DeploymentStateMachine states;
    private final Terminator terminator;
    private final DeployConfig config;
    private final ObjectMapper json;

    public DeploymentService(PreflightChecks preflight, DeploymentRepository deployments,
                             TransitionRepository transitions, DeploymentStateMachine states, Terminator terminator,
                             DeployConfig config, ObjectMapper json, AttemptRepository attempts) {
        this.attempts = attempts;
        this.preflight = preflight;
        this.deployments = deployments;
        this.transitions = transitions;
        this.states = states;
        this.terminator = terminator;
        this.config = config;
        this.json = json;
    }

    /**
     * Checks and accepts a deployment; with an idempotency key, a repeated request returns the first
     * deployment and creates nothing.
     */
    public Uni<Deployment> create(String userId, DeploymentRequest request, String idempotencyKey) {
        return create(userId, request, idempotencyKey, null);
    }

    /**
     * Starts a new deployment with the same request as an ended one, checked again (the key, the dataset and the
     * prices may have changed since).
     */
    public Uni<Deployment> retry(String userId, UUID id) {
        return get(userId, id).chain(d -> {
            if (!d.status.terminal()) {
                return Uni.createFrom().failure(DeployProblems.deploymentNotEnded(d.status));
            }
            return create(userId, d.spec().toRequest(), null, d.id);
        });
    }

    /** The cost estimate of a deployment body, after the same checks a deployment gets. */
    public Uni<CostEstimate> estimate(String userId, DeploymentRequest request) {
        return preflight.check(userId, withLimits(request)).map(outcome -> {
            List<Problem.FieldError> blocking = outcome.failures().stream()
                    .filter(f -> !"ESTIMATE_ABOVE_BUDGET".equals(f.code())).toList();
            if (!blocking.isEmpty() || outcome.estimate() == null) {
                List<Problem.FieldError> failures = blocking.isEmpty()
                        ? List.of(new Problem.FieldError("gpu.types", "GPU_UNAVAILABLE",
                                "No GPU type of gpu.types is offered by RunPod now.",
                                "Add GPU types from GET /api/v1/gpu-types whose availability is not NONE."))
                        : blocking;
                throw DeployProblems.estimateFailed(failures);
            }
            return outcome.estimate();
        });
    }

    /** An estimate needs no limits: absent ones are taken at their maximum. */
    private static DeploymentRequest withLimits(DeploymentRequest r) {
        DeploymentRequest.Limits l = r.limits();
        DeploymentRequest.Limits lenient = new DeploymentRequest.Limits(
                l == null || l.maxRuntimeMinutes() == null ? PreflightChecks.MAX_RUNTIME_MINUTES : l.maxRuntimeMinutes(),
                l == null || l.maxCostUsd() == null ? PreflightChecks.MAX_COST_USD : l.maxCostUsd(),
                l == null ? null : l.idleMinutes(), l == null ? null : l.capacityWaitMinutes(),
                l == null ? null : l.maxRecoveries());
        return new DeploymentRequest(r.datasetId(), r.baseModel(), r.method(), r.hyperparameters(), r.gpu(),
                lenient, r.simulation(), r.image(), r.validation(), r.earlyStopping(), r.checkpoint(), r.output(),
                r.reporting());
    }

    private Uni<Deployment> create(String userId, DeploymentRequest request, String idempotencyKey, UUID retryOf) {
        return findByIdempotencyKey(userId, idempotencyKey).chain(existing -> existing != null
                ? Uni.createFrom().item(existing)
                : preflight.check(userId, request).chain(outcome -> {
                    if (!outcome.failures().isEmpty()) {
                        return Uni.createFrom().failure(DeployProblems.preflightFailed(outcome.failures()));
                    }
                    return persistNew(userId, request, idempotencyKey, outcome.estimate(), retryOf,
                            outcome.dataset() == null ? null : outcome.dataset().sha256())
                            .onFailure(DeploymentService::repeatedKey)
                            .recoverWithUni(() -> findByIdempotencyKey(userId, idempotencyKey));
                }));
    }

    public Uni<List<Deployment>> list(String userId) {
        return Panache.withSession(() -> deployments.ofUser(userId, 200));
    }

    /** The models the user trained: their succeeded deployments, newest first. */
    public Uni<List<Deployment>> models(String userId) {
        return Panache.withSession(() -> deployments.succeededOfUser(userId, 200));
    }

    /** The user's deployment; another user's answers the same 404 as a missing one. */
    public Uni<Deployment> get(String userId, UUID id) {
        return Panache.withSession(() -> owned(userId, id));
    }

    /** The deployment with the pods it ran on before its current one (or all of them, once it ended). */
    public Uni<DeploymentView> view(String userId, UUID id) {
        return Panache.withSession(() -> owned(userId, id).chain(d -> attempts.of(d.id)
                .map(list -> DeploymentView.of(d, list))));
    }

    public Uni<List<DeploymentTransition>> transitions(String userId, UUID id) {
        return Panache.withSession(() -> owned(userId, id).chain(d -> transitions.of(d.id)));
    }

    /**
     * Cancels the deployment and starts terminating its pod at once, without waiting on RunPod. A pod whose create
     * call is still in flight is terminated the moment it is recorded.
     */
    public Uni<Deployment> cancel(String userId, UUID id) {
        return Panache.withTransaction(() -> deployments.locked(id).map(d -> ownedBy(userId, id, d))
                        .chain(d -> states.move(d, DeploymentStatus.CANCELLED,
                                FailureReason.CANCELLED_BY_USER.name(), "Cancelled by the user.").map(moved -> {
                                    if (!moved) {
                                        throw DeployProblems.deploymentEnded(d.status);
                                    }
                                    return d;
                                })))
                .call(d -> terminator.terminateSoon(d.id));
    }

    private Uni<Deployment> owned(String userId, UUID id) {
        return deployments.findById(id).map(d -> ownedBy(userId, id, d));
    }

    private static Deployment ownedBy(String userId, UUID id, Deployment d) {
        if (d == null || !d.userId.equals(userId)) {
            throw DeployProblems.deploymentNotFound(id);
        }
        return d;
    }

    /** The database's unique violation: a concurrent request with the same idempotency key was accepted first. */
    private static boolean repeatedKey(Throwable e) {
        return e instanceof PgException pg && "23505".equals(pg.getSqlState());
    }

    private Uni<Deployment> findByIdempotencyKey(String userId, String key) {
        if (key == null || key.isBlank()) {
            return Uni.createFrom().nullItem();
        }
        return Panache.withSession(() -> deployments.byIdempotencyKey(userId, key));
    }

    private Uni<Deployment> persistNew(String userId, DeploymentRequest r, String idempotencyKey,
                                       CostEstimate estimate, UUID retryOf, String datasetSha256) {
        JobSpec spec = JobSpec.of(r);
        Deployment d = new Deployment();
        d.id = UUID.randomUUID();
        d.userId = userId;
        d.datasetId = spec.datasetId();
        d.datasetSha256 = datasetSha256;
        d.baseModel = spec.baseModel();
        d.method = spec.method();
        d.request = spec.toJson();
        d.estimate = estimate == null ? null : toJson(estimate);
        d.retryOf = retryOf;
        d.idempotencyKey = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey;
        String accepted = retryOf == null ? "Accepted after pre-flight checks."
                : "Accepted after pre-flight checks, as a retry of " + retryOf + ".";
        Integer totalSteps = spec.simulation() == null ? null : spec.simulation().steps();
        DeploymentRequested requested = new DeploymentRequested(d.id, userId, d.datasetId, d.baseModel, d.method,
                spec.gpu().types(), spec.limits().maxRuntimeMinutes(), spec.limits().maxCostUsd(),
                spec.limits().idleMinutes(), totalSteps);
        return states.accept(d, accepted, requested, config.maxLivePerUser(), config.maxPendingPerUser())
                .map(counts -> {
                    if (counts.written()) {
                        return d;
                    }
                    if (counts.live() >= config.maxLivePerUser()) {
                        throw DeployProblems.quotaExceeded("live", counts.live(), config.maxLivePerUser(),
                                "Cancel a deployment you no longer need, or wait until one ends.");
                    }
                    throw DeployProblems.quotaExceeded("waiting for a pod", counts.waiting(),
                            config.maxPendingPerUser(), "Wait until some of them have a pod (or cancel those "
                                    + "waiting for capacity), or add GPU types that have capacity now.");
                });
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("value cannot be written as JSON", e);
        }
    }
}
