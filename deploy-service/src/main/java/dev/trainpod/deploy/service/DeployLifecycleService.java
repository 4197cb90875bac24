package dev.trainpod.deploy.service;

import dev.trainpod.common.event.ArtifactsStored;
import dev.trainpod.common.event.CheckpointStored;
import dev.trainpod.common.event.EventEnvelope;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.repository.DeploymentRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * What deploy-service does with each lifecycle event (called by {@code messaging.DeployLifecycleConsumer} through
 * the inbox): ends deployments when their training fails or succeeds (a lost heartbeat is a lost pod: the
 * deployment is recovered while it has recoveries left), and starts terminating the pod the moment the new status
 * is committed, without holding the record for RunPod; records when a deployment's final artifacts were stored,
 * after which a watchdog's verdict ends it as succeeded.
 */
@ApplicationScoped
public class DeployLifecycleService {

    private static final Logger LOG = Logger.getLogger(DeployLifecycleService.class);

    /** Verdicts of metrics-service's watchdog, as opposed to the pod's own report of a failure. */
    private static final Set<String> WATCHDOG = Set.of(FailureReason.FAILED_HEARTBEAT_LOST.name(),
            FailureReason.FAILED_IDLE.name());

    private final DeploymentRepository deployments;
    private final DeploymentStateMachine states;
    private final Terminator terminator;

    public DeployLifecycleService(DeploymentRepository deployments, DeploymentStateMachine states,
                                  Terminator terminator) {
        this.deployments = deployments;
        this.states = states;
        this.terminator = terminator;
    }

    /** Applies one event in the inbox's transaction; events that end no deployment change nothing. */
    public Uni<Void> apply(EventEnvelope envelope) {
        LifecycleEvent event = envelope.event();
        if (event instanceof TrainingFailed f) {
            return end(f.deploymentId(), DeploymentStatus.FAILED, f.reason(), f.message(), f.exitCode(), f.logTail());
        }
        if (event instanceof TrainingSucceeded s) {
            return end(s.deploymentId(), DeploymentStatus.SUCCEEDED, null, s.message(), null, null)
                    .call(() -> s.bestEvalLoss() == null && s.lastStep() == null ? Uni.createFrom().voidItem()
                            : deployments.locked(s.deploymentId()).invoke(d -> {
                                if (d != null && d.status == DeploymentStatus.SUCCEEDED) {
                                    d.evalLoss = s.bestEvalLoss(); // the model's lineage (GET /api/v1/models)
                                    d.lastStep = s.lastStep(); // the last attempt's steps gained
                                }
                            }));
        }
        if (event instanceof CheckpointStored c) {
            return deployments.locked(c.deploymentId()).invoke(d -> {
                // a late or repeated event never moves the last checkpoint back
                if (d != null && (d.lastCheckpointStep == null || c.step() > d.lastCheckpointStep)) {
                    d.lastCheckpointStep = c.step();
                    d.lastCheckpointAt = c.storedAt() == null ? Instant.now() : c.storedAt();
                }
            }).replaceWithVoid();
        }
        if (event instanceof ArtifactsStored a) {
            return deployments.locked(a.deploymentId()).chain(d -> {
                if (d != null && d.artifactsStoredAt == null) {
                    d.artifactsStoredAt = a.storedAt() == null ? Instant.now() : a.storedAt();
                }
                return Uni.createFrom().voidItem();
            });
        }
        return Uni.createFrom().voidItem();
    }

    private Uni<Void> end(UUID id, DeploymentStatus status, String reason, String message, Integer exitCode,
                          String logTail) {
        return deployments.locked(id).chain(d -> {
            if (d == null || !d.status.canMoveTo(status)) {
                return Uni.createFrom().voidItem();
            }
            if (status == DeploymentStatus.FAILED && d.artifactsStoredAt != null && WATCHDOG.contains(reason)) {
                // metrics-service's watchdog judged a pod that had stored its output: only its report was lost
                return states.move(d, DeploymentStatus.SUCCEEDED, null, Failures.afterArtifacts(d, message))
                        .replaceWithVoid();
            }
            if (FailureReason.FAILED_HEARTBEAT_LOST.name().equals(reason)) {
                return heartbeatLost(d, message, exitCode, logTail);
            }
            d.exitCode = exitCode;
            d.logTail = logTail;
            return states.move(d, status, reason, message).replaceWithVoid();
        });
    }

    /**
     * The pod went silent: it is lost, and replaced while recoveries remain. A silence reported while a recovery
     * is under way (the lost pod's, judged late) changes nothing; a job that failed by itself reports that, not a
     * silence, and is never recovered.
     */
    private Uni<Void> heartbeatLost(Deployment d, String message, Integer exitCode, String logTail) {
        if (d.recoveries > 0 && !d.status.terminal() && d.status != DeploymentStatus.STARTING
                && d.status != DeploymentStatus.RUNNING) {
            return Uni.createFrom().voidItem();
        }
        return states.recover(d, message).chain(r -> {
            if (r == DeploymentStateMachine.Recovery.RECOVERING) {
                return Uni.createFrom().voidItem();
            }
            d.exitCode = exitCode;
            d.logTail = logTail;
            return states.move(d, DeploymentStatus.FAILED, FailureReason.FAILED_HEARTBEAT_LOST.name(), message)
                    .replaceWithVoid();
        });
    }

    /**
     * Once the event's transaction has committed (or the event was seen before): starts terminating the pod of a
     * training that ended, on a Vert.x context of its own, without making the record wait for RunPod (a hanging
     * provider must not hold the partition); a failure is only logged, as {@link TerminationJob} retries every
     * ended deployment whose pod is not confirmed terminated.
     */
    public void afterCommit(LifecycleEvent event) {
        if (event instanceof TrainingFailed || event instanceof TrainingSucceeded) {
            terminate(event.deploymentId());
        }
    }

    private void terminate(UUID id) {
        if (id == null) {
            LOG.debug("ended training without a deployment id");
            return;
        }
        terminator.terminateSoon(id);
    }
}
