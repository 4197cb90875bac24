package dev.trainpod.deploy.service;

import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.PodStarted;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.DeploymentTransition;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.repository.TransitionRepository;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The one authority over a deployment's status. Every change of status goes through it: it allows only the moves
 * of {@link DeploymentStatus#MOVES} (the database refuses any other too), records the transition the user reads,
 * and writes the move's events into the outbox in the same transaction. Writers lock the row before they read it
 * ({@link DeploymentRepository#locked}), and every write is versioned, so no writer overwrites another's move.
 *
 * <p>{@code DeploymentEnded} is written exactly once, when the deployment has ended and nothing can bill any more:
 * its pod is confirmed terminated, or it never had one and no create call can still be in flight (no replica holds
 * its provisioning claim). Methods taking a {@link Deployment} must be called inside a transaction with that row
 * locked.
 */
@ApplicationScoped
public class DeploymentStateMachine {

    private static final Logger LOG = Logger.getLogger(DeploymentStateMachine.class);

    /**
     * The provisioning claim: takes a few deployments that wait for a pod, fairly across users (each user's
     * never-tried deployments first, then one per user per round), in one atomic statement with {@code SKIP
     * LOCKED}, so several replicas never provision the same deployment. PENDING → PROVISIONING is a legal move;
     * a PROVISIONING deployment without a pod whose claiming replica died (its liveness lease lapsed) is claimed
     * again without a move.
     */
    private static final String CLAIM = """
            WITH eligible AS (
                SELECT id, status AS was, created_at, capacity_rounds,
                       row_number() OVER (PARTITION BY user_id ORDER BY capacity_rounds, created_at) AS turn
                FROM deployment d
                WHERE (status = 'PENDING' AND (next_attempt_at IS NULL OR next_attempt_at <= now()))
                   OR (status = 'PROVISIONING' AND pod_id IS NULL AND claimed_by IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM job_lease l
                                       WHERE l.name = 'replica:' || d.claimed_by AND l.held_until > now()))),
            candidates AS (
                SELECT d.id, e.was FROM eligible e JOIN deployment d ON d.id = e.id AND d.status = e.was
                ORDER BY e.turn, e.capacity_rounds > 0, e.created_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED),
            claimed AS (
                UPDATE deployment SET status = 'PROVISIONING', claimed_by = $2, updated_at = now(),
                                      version = version + 1
                FROM candidates c WHERE deployment.id = c.id
                RETURNING deployment.id, c.was),
            recorded AS (
                INSERT INTO deployment_transition (deployment_id, status, message, at)
                SELECT id, 'PROVISIONING', CASE WHEN was = 'PROVISIONING'
                    THEN 'The replica provisioning it stopped; looking for its pod, then for a GPU.'
                    ELSE 'Looking for a GPU.' END, now() FROM claimed)
            SELECT id, was FROM claimed""";

    private final DeploymentRepository deployments;
    private final TransitionRepository transitions;
    private final Outbox outbox;
    private final Pool pool;
    private final DeploymentMetrics metrics;

    public DeploymentStateMachine(DeploymentRepository deployments, TransitionRepository transitions, Outbox outbox,
                                  Pool pool, DeploymentMetrics metrics) {
        this.metrics = metrics;
        this.deployments = deployments;
        this.transitions = transitions;
        this.outbox = outbox;
        this.pool = pool;
    }

    /** A deployment the provisioning claim took, and whether a replica had claimed it before (and died). */
    public record Claim(UUID id, boolean again) {
    }

    /** Checks at start that the database's table of moves is this one; a missing migration stops the service. */
    void verifyMoves(@Observes StartupEvent start) {
        Set<String> stored = new HashSet<>();
        for (Row row : pool.query("SELECT from_status, to_status FROM deployment_move").executeAndAwait()) {
            stored.add(row.getString("from_status") + "->" + row.getString("to_status"));
        }
        Set<String> expected = movesAsText();
        if (!stored.equals(expected)) {
            throw new IllegalStateException("deployment_move in the database " + stored
                    + " differs from DeploymentStatus.MOVES " + expected + "; a migration is missing");
        }
    }

    static Set<String> movesAsText() {
        Set<String> moves = new HashSet<>();
        for (Map.Entry<DeploymentStatus, Set<DeploymentStatus>> e : DeploymentStatus.MOVES.entrySet()) {
            e.getValue().forEach(to -> moves.add(e.getKey() + "->" + to));
        }
        return moves;
    }

    /** Records a new deployment in PENDING and announces it; call inside a transaction. */
    public Uni<Deployment> accept(Deployment d, String message, DeploymentRequested requested) {
        Instant now = Instant.now();
        d.status = DeploymentStatus.PENDING;
        d.createdAt = now;
        d.updatedAt = now;
        return deployments.persist(d)
                .chain(() -> record(d, null, message, now))
                .chain(() -> outbox.publish(requested))
                .replaceWith(d);
    }

    /** Claims up to {@code batch} deployments for provisioning by replica {@code holder}; runs on its own. */
    public Uni<List<Claim>> claimForProvisioning(int batch, String holder) {
        return pool.preparedQuery(CLAIM).execute(Tuple.of(batch, holder)).map(rows -> {
            List<Claim> claims = new ArrayList<>();
            for (Row row : rows) {
                claims.add(new Claim(row.getUUID("id"), "PROVISIONING".equals(row.getString("was"))));
            }
            return claims;
        });
    }

    /**
     * Moves the locked deployment to {@code to} if the table allows it; false (and nothing written) if not. A move
     * to an end records when it ended and announces it once nothing can bill any more.
     */
    public Uni<Boolean> move(Deployment d, DeploymentStatus to, String reason, String message) {
        if (!d.status.canMoveTo(to)) {
            LOG.debugf("deployment %s: move %s -> %s refused", d.id, d.status, to);
            return Uni.createFrom().item(false);
        }
        Instant now = Instant.now();
        d.status = to;
        d.updatedAt = now;
        if (reason != null) {
            d.reason = reason;
        }
        if (message != null) {
            d.message = message;
        }
        Uni<Void> recorded = record(d, reason, message, now);
        if (to == DeploymentStatus.RUNNING) {
            metrics.running(d, now);
        }
        if (!to.terminal()) {
            return recorded.replaceWith(true);
        }
        d.endedAt = now;
        return recorded.chain(() -> announceIfSettled(d)).replaceWith(true);
    }

    /** The outcome of recording a pod a create call returned. */
    public enum PodRecorded {
        /** The deployment is STARTING on this pod. */
        STARTED,
        /** The deployment ended while the pod was being created: the pod is recorded and must go at once. */
        ENDED_MEANWHILE,
        /** The deployment already runs on another pod: this one is a duplicate to terminate. */
        DUPLICATE
    }

    /** Records the pod of the locked deployment and, while it is still provisioning, starts it (PodStarted). */
    public Uni<PodRecorded> podCreated(Deployment d, String podId, String gpuType, int gpuCount, String cloud,
                                       BigDecimal costPerHour, Instant createdAt, String message) {
        if (podId.equals(d.podId)) {
            return Uni.createFrom().item(d.status.terminal() ? PodRecorded.ENDED_MEANWHILE : PodRecorded.STARTED);
        }
        if (d.podId != null) {
            return Uni.createFrom().item(PodRecorded.DUPLICATE);
        }
        d.podId = podId;
        d.gpuType = gpuType;
        d.gpuCount = gpuCount;
        d.cloud = cloud == null ? "SECURE" : cloud;
        d.costPerHour = costPerHour == null ? BigDecimal.ZERO : costPerHour;
        d.podCreatedAt = createdAt == null ? Instant.now() : createdAt;
        d.updatedAt = Instant.now();
        if (d.status != DeploymentStatus.PROVISIONING) {
            return Uni.createFrom().item(PodRecorded.ENDED_MEANWHILE);
        }
        metrics.podCreated(d);
        return move(d, DeploymentStatus.STARTING, null, message)
                .chain(() -> outbox.publish(new PodStarted(d.id, podId, gpuType, d.gpuCount, d.cloud,
                        d.costPerHour)))
                .replaceWith(PodRecorded.STARTED);
    }

    /** Records that the locked deployment's pod is gone, with its billed time and cost, and announces the end. */
    public Uni<Void> podTerminated(Deployment d, Instant at) {
        if (d.podTerminatedAt != null) {
            return Uni.createFrom().voidItem();
        }
        d.podTerminatedAt = at;
        d.updatedAt = at;
        long seconds = Billing.billedSeconds(Duration.between(d.podCreatedAt, at));
        d.billedSeconds = seconds;
        d.costUsd = Billing.cost(seconds, d.costPerHour);
        LOG.infof("deployment %s: pod %s terminated after %d s, %s USD", d.id, d.podId, seconds, d.costUsd);
        metrics.podTerminated(d, at);
        return announceIfSettled(d);
    }

    /**
     * Ends the provisioning claim of the locked deployment: no create call of it is in flight any more, so an
     * ended deployment without a pod can be announced. A deployment still PROVISIONING keeps its claim.
     */
    public Uni<Void> releaseClaim(Deployment d) {
        if (d.status == DeploymentStatus.PROVISIONING) {
            return Uni.createFrom().voidItem();
        }
        d.claimedBy = null;
        return announceIfSettled(d);
    }

    /** Writes {@code DeploymentEnded} once the deployment has ended and nothing of it can bill. */
    private Uni<Void> announceIfSettled(Deployment d) {
        if (!d.status.terminal() || d.endedAnnouncedAt != null) {
            return Uni.createFrom().voidItem();
        }
        if (d.podId == null) {
            if (d.claimedBy != null) {
                return Uni.createFrom().voidItem(); // a create call may still bring a pod
            }
            d.billedSeconds = 0L;
            d.costUsd = BigDecimal.ZERO;
        } else if (d.podTerminatedAt == null) {
            return Uni.createFrom().voidItem(); // announced once the pod is confirmed gone
        }
        d.endedAnnouncedAt = Instant.now();
        metrics.ended(d);
        return outbox.publish(new DeploymentEnded(d.id, d.status.name(), d.reason,
                d.billedSeconds == null ? 0 : d.billedSeconds, d.costUsd == null ? BigDecimal.ZERO : d.costUsd));
    }

    private Uni<Void> record(Deployment d, String reason, String message, Instant at) {
        DeploymentTransition t = new DeploymentTransition();
        t.deploymentId = d.id;
        t.status = d.status;
        t.reason = reason;
        t.message = message;
        t.at = at;
        return transitions.persist(t).replaceWithVoid();
    }
}
