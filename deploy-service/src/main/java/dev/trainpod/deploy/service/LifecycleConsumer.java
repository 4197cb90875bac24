package dev.trainpod.deploy.service;

import dev.trainpod.common.event.ArtifactsStored;
import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.EventEnvelope;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.inbox.InboxProcessor;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.repository.DeploymentRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Ends deployments when their training fails or succeeds (a lost heartbeat is a lost pod: the deployment is
 * recovered while it has recoveries left), and starts terminating the pod the moment the new status is committed,
 * without holding the record for RunPod; records when a deployment's final artifacts were
 * stored, after which a watchdog's verdict ends it as succeeded.
 */
@ApplicationScoped
public class LifecycleConsumer {

    private static final Logger LOG = Logger.getLogger(LifecycleConsumer.class);

    /** Verdicts of metrics-service's watchdog, as opposed to the pod's own report of a failure. */
    private static final Set<String> WATCHDOG = Set.of(FailureReason.FAILED_HEARTBEAT_LOST.name(),
            FailureReason.FAILED_IDLE.name());

    private final InboxProcessor inbox;
    private final DeploymentRepository deployments;
    private final DeploymentStateMachine states;
    private final Terminator terminator;

    public LifecycleConsumer(InboxProcessor inbox, DeploymentRepository deployments, DeploymentStateMachine states,
                             Terminator terminator) {
        this.inbox = inbox;
        this.deployments = deployments;
        this.states = states;
        this.terminator = terminator;
    }

    /**
     * Applies the event; once its transaction has committed, starts terminating the pod of a training that ended
     * without making the record wait for RunPod (a hanging provider must not hold the partition).
     */
    @Incoming("lifecycle")
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        return inbox.process(record, this::apply)
                .invoke(() -> {
                    if (endsTraining(record)) {
                        terminate(record.key());
                    }
                });
    }

    private Uni<Void> apply(EventEnvelope envelope) {
        LifecycleEvent event = envelope.event();
        if (event instanceof TrainingFailed f) {
            return end(f.deploymentId(), DeploymentStatus.FAILED, f.reason(), f.message(), f.exitCode(), f.logTail());
        }
        if (event instanceof TrainingSucceeded s) {
            return end(s.deploymentId(), DeploymentStatus.SUCCEEDED, null, s.message(), null, null);
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

    private static boolean endsTraining(ConsumerRecord<String, String> record) {
        var type = record.headers().lastHeader(EventCodec.CE_TYPE);
        if (type == null) {
            return false;
        }
        String t = new String(type.value(), java.nio.charset.StandardCharsets.UTF_8);
        return "TrainingFailed".equals(t) || "TrainingSucceeded".equals(t);
    }

    /**
     * Fires the termination on a Vert.x context of its own and only logs a failure: {@link TerminationJob} retries
     * every ended deployment whose pod is not confirmed terminated.
     */
    /** Starts the pod's termination after the event committed; the record does not wait for RunPod. */
    private void terminate(String key) {
        try {
            terminator.terminateSoon(UUID.fromString(key));
        } catch (IllegalArgumentException | NullPointerException e) {
            LOG.debugf("record key %s is no deployment id", key);
        }
    }
}
