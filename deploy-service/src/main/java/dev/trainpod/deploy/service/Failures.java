package dev.trainpod.deploy.service;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Fails a deployment for a reason deploy-service itself found (no capacity, provider error, a reaper rule) and
 * terminates its pod. The row is locked and re-read, so of several replicas that reach the same verdict only
 * one records it, announces {@code TrainingFailed} (which revokes the dataset tokens) and terminates the pod.
 */
@ApplicationScoped
public class Failures {

    private static final Logger LOG = Logger.getLogger(Failures.class);

    private final Transitions transitions;
    private final Outbox outbox;
    private final Terminator terminator;

    public Failures(Transitions transitions, Outbox outbox, Terminator terminator) {
        this.transitions = transitions;
        this.outbox = outbox;
        this.terminator = terminator;
    }

    /** Records the failure unless the deployment already ended, then terminates its pod; true if it recorded it. */
    public Uni<Boolean> fail(UUID id, FailureReason reason, String message) {
        return Panache.withTransaction(() -> Deployment.<Deployment>findById(id, LockModeType.PESSIMISTIC_WRITE)
                        .chain(d -> {
                            if (d == null || d.status.terminal()) {
                                return Uni.createFrom().item(false);
                            }
                            LOG.infof("deployment %s fails: %s (%s)", id, reason, message);
                            return transitions.move(d, DeploymentStatus.FAILED, reason.name(), message)
                                    .chain(() -> outbox.publish(new TrainingFailed(id, reason.name(), message,
                                            null, null)))
                                    .replaceWith(true);
                        }))
                .call(failed -> failed ? terminator.terminate(id).onFailure().recoverWithNull()
                        : Uni.createFrom().voidItem());
    }
}
