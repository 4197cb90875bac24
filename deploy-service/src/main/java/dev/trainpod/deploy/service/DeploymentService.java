package dev.trainpod.deploy.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.outbox.Outbox;
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
        return findByIdempotencyKey(userId, idempotencyKey).chain(existing -> existing != null
                ? Uni.createFrom().item(existing)
                : preflight.check(userId, request).chain(outcome -> {
                    if (!outcome.failures().isEmpty()) {
                        return Uni.createFrom().failure(ProblemException.unprocessable("preflight-failed",
                                "The deployment failed " + outcome.failures().size()
                                        + " pre-flight check(s); nothing was started and nothing was billed.",
                                outcome.failures()));
                    }
                    return persistNew(userId, request, idempotencyKey)
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

    private Uni<Deployment> persistNew(String userId, DeploymentRequest r, String idempotencyKey) {
        Instant now = Instant.now();
        Deployment d = new Deployment();
        d.id = UUID.randomUUID();
        d.userId = userId;
        d.datasetId = r.datasetId();
        d.baseModel = r.baseModel();
        d.method = r.method();
        d.request = toJson(r);
        d.idempotencyKey = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey;
        d.createdAt = now;
        d.updatedAt = now;
        d.status = DeploymentStatus.PENDING;
        Integer totalSteps = r.simulation() == null ? null : r.simulation().steps();
        return Panache.withTransaction(() -> d.persist()
                .chain(() -> transitions.move(d, DeploymentStatus.PENDING, null, "Accepted after pre-flight checks."))
                .chain(() -> outbox.publish(new DeploymentRequested(d.id, userId, d.datasetId, d.baseModel, d.method,
                        r.gpu().types(), r.limits().maxRuntimeMinutes(), r.limits().maxCostUsd(),
                        r.limits().idleMinutes(), totalSteps)))
                .replaceWith(d));
    }

    private String toJson(DeploymentRequest r) {
        try {
            return json.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("request cannot be written as JSON", e);
        }
    }
}
