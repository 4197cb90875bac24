package dev.trainpod.deploy.service;

import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.event.PodStarted;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.DeploymentTransition;
import dev.trainpod.deploy.DeploymentAttempt;
import dev.trainpod.deploy.JobSpec;
import dev.trainpod.deploy.repository.AttemptRepository;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.repository.TransitionRepository;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
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

    private final DeploymentRepository deployments;
    private final TransitionRepository transitions;
    private final Outbox outbox;
    private final DeploymentMetrics metrics;
    private final AttemptRepository attempts;

    public DeploymentStateMachine(DeploymentRepository deployments, TransitionRepository transitions, Outbox outbox,
                                  DeploymentMetrics metrics, AttemptRepository attempts) {
        this.metrics = metrics;
        this.attempts = attempts;
        this.deployments = deployments;
        this.transitions = transitions;
        this.outbox = outbox;
    }

    /** A deployment the provisioning claim took, and whether a replica had claimed it before (and died). */
    public record Claim(UUID id, boolean again) {
    }

    /** Checks at start that the database's table of moves is this one; a missing migration stops the service. */
    void verifyMoves(@Observes StartupEvent start) {
        Set<String> stored = deployments.storedMoves().await().indefinitely();
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

    /**
     * Records a new deployment in PENDING with its transition and announces it, in one transaction of its own (one
     * statement after the user's lock, {@link DeploymentRepository#accept}), if the user holds fewer than
     * {@code maxLive} live deployments and fewer than {@code maxWaiting} waiting for a pod; the counts say which
     * cap refused it when nothing was written.
     */
    public Uni<DeploymentRepository.Accepted> accept(Deployment d, String message, DeploymentRequested requested,
                                                     long maxLive, long maxWaiting) {
        Instant now = Instant.now();
        d.status = DeploymentStatus.PENDING;
        d.createdAt = now;
        d.updatedAt = now;
        return deployments.accept(d, message, outbox.row(requested), maxLive, maxWaiting);
    }

    /** Claims up to {@code batch} deployments for provisioning by replica {@code holder}; runs on its own. */
    public Uni<List<Claim>> claimForProvisioning(int batch, String holder) {
        return deployments.claimForProvisioning(batch, holder)
                .map(claims -> claims.stream().map(c -> new Claim(c.id(), c.again())).toList());
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

    /** Whether a lost pod of the locked deployment is being replaced, or the loss ends it. */
    public enum Recovery {
        /** The deployment is RECOVERING (now, or it already was): its pod is terminated, then replaced. */
        RECOVERING,
        /** No recovery: none left, its artifacts are stored, or it has no live pod; the caller fails it. */
        NONE
    }

    /**
     * Moves the locked deployment whose pod was lost without the job's own final report to RECOVERING, if it has
     * recoveries left ({@code limits.maxRecoveries}) and its job did not already store its output; the caller then
     * terminates the lost pod, and its confirmed termination ({@link #podTerminated}) provisions it again.
     */
    public Uni<Recovery> recover(Deployment d, String message) {
        if (d.status == DeploymentStatus.RECOVERING) {
            return Uni.createFrom().item(Recovery.RECOVERING);
        }
        int allowed = d.spec().limits().recoveries();
        if (d.artifactsStoredAt != null || d.podId == null || d.recoveries >= allowed
                || !d.status.canMoveTo(DeploymentStatus.RECOVERING)) {
            return Uni.createFrom().item(Recovery.NONE);
        }
        d.recoveries++;
        LOG.infof("deployment %s: pod %s lost (%s); recovery %d of %d", d.id, d.podId, message, d.recoveries,
                allowed);
        return move(d, DeploymentStatus.RECOVERING, null, message + " Recovering (" + d.recoveries + " of "
                + allowed + "): the pod is terminated, then the job is provisioned again and resumes from its last "
                + "uploaded checkpoint.").replaceWith(Recovery.RECOVERING);
    }

    /**
     * Records that the locked deployment's pod is gone, with its billed time and cost, as one attempt. A RECOVERING
     * deployment then goes back to PENDING to be provisioned again (or fails, when its earlier pods spent its
     * budget or runtime); an ended one is announced, its cost the sum of all its pods'.
     */
    public Uni<Void> podTerminated(Deployment d, Instant at) {
        if (d.podTerminatedAt != null || d.podId == null) {
            return Uni.createFrom().voidItem();
        }
        d.podTerminatedAt = at;
        d.updatedAt = at;
        long seconds = Billing.billedSeconds(Duration.between(d.podCreatedAt, at));
        BigDecimal cost = Billing.cost(seconds, d.costPerHour);
        d.billedSeconds = d.priorBilledSeconds + seconds;
        d.costUsd = d.priorCostUsd.add(cost);
        LOG.infof("deployment %s: pod %s terminated after %d s, %s USD", d.id, d.podId, seconds, cost);
        metrics.podTerminated(d, at);
        Uni<Void> recorded = attempts.countOf(d.id).chain(before -> attempts.persist(
                DeploymentAttempt.of(d, (int) (before + 1), seconds, cost, at))).replaceWithVoid();
        if (d.status != DeploymentStatus.RECOVERING) {
            return recorded.chain(() -> announceIfSettled(d));
        }
        return recorded.chain(() -> {
            d.resumedFromStep = d.lastCheckpointStep; // the next pod's agent restores the newest stored checkpoint
            return provisionAgain(d, at);
        });
    }

    /** The lost pod of the locked RECOVERING deployment is gone: it waits for a pod again, unless a limit is spent. */
    private Uni<Void> provisionAgain(Deployment d, Instant at) {
        String lostPod = d.podId;
        d.priorBilledSeconds = d.billedSeconds;
        d.priorCostUsd = d.costUsd;
        d.podId = null;
        d.podCreatedAt = null;
        d.podTerminatedAt = null;
        d.terminationClaimedAt = null;
        d.idleSince = null;
        d.podMissingSince = null;
        d.capacityRounds = 0;
        d.nextAttemptAt = null;
        d.provisioningSince = at;
        JobSpec.Limits limits = d.spec().limits();
        if (limits.maxCostUsd() != null && d.priorCostUsd.compareTo(limits.maxCostUsd()) >= 0) {
            return failAfterLoss(d, FailureReason.FAILED_BUDGET, "The pods so far cost " + d.priorCostUsd
                    + " USD, the limit of " + limits.maxCostUsd() + " USD; no new pod was created after pod "
                    + lostPod + " was lost.");
        }
        if (d.priorBilledSeconds >= 60L * limits.maxRuntimeMinutes()) {
            return failAfterLoss(d, FailureReason.FAILED_MAX_RUNTIME, "The pods so far ran " + d.priorBilledSeconds
                    + " s, the maximum runtime of " + limits.maxRuntimeMinutes() + " min; no new pod was created"
                    + " after pod " + lostPod + " was lost.");
        }
        return move(d, DeploymentStatus.PENDING, null, "Pod " + lostPod + " is confirmed terminated; looking for "
                + "a GPU again.").replaceWithVoid();
    }

    private Uni<Void> failAfterLoss(Deployment d, FailureReason reason, String message) {
        return move(d, DeploymentStatus.FAILED, reason.name(), message)
                .chain(() -> outbox.publish(new TrainingFailed(d.id, reason.name(), message, null, null)));
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
            d.billedSeconds = d.priorBilledSeconds; // what its earlier pods billed, if it was recovered
            d.costUsd = d.priorCostUsd;
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
