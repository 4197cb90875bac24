package dev.trainpod.deploy.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.DeploymentTransition;
import dev.trainpod.deploy.rest.DeploymentRequest;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.hibernate.exception.ConstraintViolationException;

/** Accepts deployments after their pre-flight checks, and lets users read and cancel their own. */
@ApplicationScoped
public class DeploymentService {

    private final PreflightChecks preflight;
    private final Transitions transitions;
    private final Outbox outbox;
    private final Terminator terminator;
    private final ObjectMapper json;

    public DeploymentService(PreflightChecks preflight, Transitions transitions, Outbox outbox,
                             Terminator terminator, ObjectMapper json) {
        this.preflight = preflight;
        this.transitions = transitions;
        this.outbox = outbox;
        this.terminator = terminator;
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
                return Uni.createFrom().failure(ProblemException.conflict("deployment-not-ended",
                        "The deployment is still " + d.status + "; cancel it or wait until it ends to retry it."));
            }
            return create(userId, readRequest(d), null, d.id);
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
                throw ProblemException.unprocessable("estimate-failed",
                        "The request cannot be estimated; fix these fields.", failures);
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
                l == null ? null : l.idleMinutes(), l == null ? null : l.capacityWaitMinutes());
        return new DeploymentRequest(r.datasetId(), r.baseModel(), r.method(), r.hyperparameters(), r.gpu(),
                lenient, r.simulation(), r.image());
    }

    private Uni<Deployment> create(String userId, DeploymentRequest request, String idempotencyKey, UUID retryOf) {
        return findByIdempotencyKey(userId, idempotencyKey).chain(existing -> existing != null
                ? Uni.createFrom().item(existing)
                : preflight.check(userId, request).chain(outcome -> {
                    if (!outcome.failures().isEmpty()) {
                        return Uni.createFrom().failure(ProblemException.unprocessable("preflight-failed",
                                "The deployment failed " + outcome.failures().size()
                                        + " pre-flight check(s); nothing was started and nothing was billed.",
                                outcome.failures()));
                    }
                    return persistNew(userId, request, idempotencyKey, outcome.estimate(), retryOf)
                            .onFailure(ConstraintViolationException.class)
                            .recoverWithUni(() -> findByIdempotencyKey(userId, idempotencyKey));
                }));
    }

    public Uni<List<Deployment>> list(String userId) {
        return Panache.withSession(() -> Deployment.<Deployment>find("userId = ?1 order by createdAt desc", userId)
                .page(0, 200).list());
    }

    /** The user's deployment; another user's answers the same 404 as a missing one. */
    public Uni<Deployment> get(String userId, UUID id) {
        return Panache.withSession(() -> owned(userId, id));
    }

    public Uni<List<DeploymentTransition>> transitions(String userId, UUID id) {
        return Panache.withSession(() -> owned(userId, id).chain(d -> DeploymentTransition
                .<DeploymentTransition>find("deploymentId = ?1 order by id", d.id).list()));
    }

    /** Cancels the deployment and terminates its pod at once. */
    public Uni<Deployment> cancel(String userId, UUID id) {
        return Panache.withTransaction(() -> owned(userId, id).chain(d -> {
                    if (d.status.terminal()) {
                        return Uni.createFrom().failure(ProblemException.conflict("deployment-ended",
                                "The deployment already ended with status " + d.status + "."));
                    }
                    return transitions.move(d, DeploymentStatus.CANCELLED, FailureReason.CANCELLED_BY_USER.name(),
                            "Cancelled by the user.").replaceWith(d);
                }))
                .call(d -> terminator.terminate(d.id).onFailure().recoverWithNull());
    }

    private Uni<Deployment> owned(String userId, UUID id) {
        return Deployment.<Deployment>findById(id).onItem().transform(d -> {
            if (d == null || !d.userId.equals(userId)) {
                throw ProblemException.notFound("Deployment " + id);
            }
            return d;
        });
    }

    private Uni<Deployment> findByIdempotencyKey(String userId, String key) {
        if (key == null || key.isBlank()) {
            return Uni.createFrom().nullItem();
        }
        return Panache.withSession(() -> Deployment.<Deployment>find("userId = ?1 and idempotencyKey = ?2", userId, key)
                .firstResult());
    }

    private Uni<Deployment> persistNew(String userId, DeploymentRequest r, String idempotencyKey,
                                       CostEstimate estimate, UUID retryOf) {
        Instant now = Instant.now();
        Deployment d = new Deployment();
        d.id = UUID.randomUUID();
        d.userId = userId;
        d.datasetId = r.datasetId();
        d.baseModel = r.baseModel();
        d.method = r.method();
        d.request = toJson(r);
        d.estimate = estimate == null ? null : toJson(estimate);
        d.retryOf = retryOf;
        d.idempotencyKey = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey;
        d.createdAt = now;
        d.updatedAt = now;
        d.status = DeploymentStatus.PENDING;
        String accepted = retryOf == null ? "Accepted after pre-flight checks."
                : "Accepted after pre-flight checks, as a retry of " + retryOf + ".";
        Integer totalSteps = r.simulation() == null ? null : r.simulation().steps();
        return Panache.withTransaction(() -> d.persist()
                .chain(() -> transitions.move(d, DeploymentStatus.PENDING, null, accepted))
                .chain(() -> outbox.publish(new DeploymentRequested(d.id, userId, d.datasetId, d.baseModel, d.method,
                        r.gpu().types(), r.limits().maxRuntimeMinutes(), r.limits().maxCostUsd(),
                        r.limits().idleMinutes(), totalSteps)))
                .replaceWith(d));
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("value cannot be written as JSON", e);
        }
    }

    private DeploymentRequest readRequest(Deployment d) {
        try {
            return json.readValue(d.request, DeploymentRequest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored request of " + d.id + " is unreadable", e);
        }
    }
}
