package dev.trainpod.deploy.service;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.repository.DeploymentRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Fails a deployment for a reason deploy-service itself found (no capacity, provider error, a reaper rule) and
 * terminates its pod. The row is locked and the move goes through the {@link DeploymentStateMachine}, so of
 * several replicas that reach the same verdict only one records it, announces {@code TrainingFailed} (which
 * revokes the dataset tokens) and terminates the pod. A deployment whose artifacts were already stored
 * ({@code ArtifactsStored}) succeeded: the verdict only shows that its final report was lost.
 */
@ApplicationScoped
public class Failures {

    private static final Logger LOG = Logger.getLogger(Failures.class);

    private final DeploymentRepository deployments;
    private final DeploymentStateMachine states;
    private final Outbox outbox;
    private final Terminator terminator;

    public Failures(DeploymentRepository deployments, DeploymentStateMachine states, Outbox outbox,
                    Terminator terminator) {
        this.deployments = deployments;
        this.states = states;
        this.outbox = outbox;
        this.terminator = terminator;
    }

    /** What the user reads when a watchdog's verdict came after the job's artifacts were stored. */
    static String afterArtifacts(Deployment d, String verdict) {
        return "Its artifacts were stored at " + d.artifactsStoredAt + "; the final report never arrived (" + verdict
                + "), so the job is recorded as succeeded.";
    }

    /** Records the failure unless the deployment already ended, then terminates its pod; true if it recorded it. */
    public Uni<Boolean> fail(UUID id, FailureReason reason, String message) {
        return Panache.withTransaction(() -> deployments.locked(id).chain(d -> {
                    if (d == null) {
                        return Uni.createFrom().item(false);
                    }
                    if (d.artifactsStoredAt != null) {
                        // The job finished and stored its output; only its final report is missing.
                        LOG.infof("deployment %s: %s after its artifacts were stored; it succeeded", id, reason);
                        return states.move(d, DeploymentStatus.SUCCEEDED, null, afterArtifacts(d, message));
                    }
                    return states.move(d, DeploymentStatus.FAILED, reason.name(), message).call(moved -> {
                        if (!moved) {
                            return Uni.createFrom().voidItem();
                        }
                        LOG.infof("deployment %s fails: %s (%s)", id, reason, message);
                        return outbox.publish(new TrainingFailed(id, reason.name(), message, null, null));
                    });
                }))
                .call(failed -> failed ? terminator.terminateSoon(id) : Uni.createFrom().voidItem());
    }
}
