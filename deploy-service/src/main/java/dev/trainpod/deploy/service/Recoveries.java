package dev.trainpod.deploy.service;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.service.DeploymentStateMachine.Recovery;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Handles a pod lost without its job's own final report (vanished or stopped at RunPod, found by the reaper): a
 * deployment with recoveries left goes RECOVERING and its lost pod is terminated, after which the
 * {@link DeploymentStateMachine} provisions it again; any other is failed as before. Money safety: the new pod is
 * created only after the old one's termination is confirmed, so a deployment never has two live pods.
 */
@ApplicationScoped
public class Recoveries {

    private final DeploymentRepository deployments;
    private final DeploymentStateMachine states;
    private final Failures failures;
    private final Terminator terminator;

    public Recoveries(DeploymentRepository deployments, DeploymentStateMachine states, Failures failures,
                      Terminator terminator) {
        this.deployments = deployments;
        this.states = states;
        this.failures = failures;
        this.terminator = terminator;
    }

    /** Recovers the deployment from the loss of its pod, or fails it for {@code reason} when it cannot be. */
    public Uni<Void> lost(UUID id, FailureReason reason, String message) {
        return Panache.withTransaction(() -> deployments.locked(id).chain(d -> d == null
                        ? Uni.createFrom().item(Recovery.RECOVERING) : states.recover(d, message)))
                .chain(r -> r == Recovery.RECOVERING ? terminator.terminateSoon(id)
                        : failures.fail(id, reason, message).replaceWithVoid());
    }
}
