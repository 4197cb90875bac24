package dev.trainpod.deploy.service;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.JobSpec;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.repository.DeploymentRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * What happens when no GPU candidate has capacity: the deployment goes back to PENDING and is claimed again after a
 * backoff while its {@code limits.capacityWaitMinutes} last; then it fails with nothing running.
 */
@ApplicationScoped
public class CapacityWait {

    private final DeploymentRepository deployments;
    private final DeploymentStateMachine states;
    private final Failures failures;
    private final DeployConfig config;

    public CapacityWait(DeploymentRepository deployments, DeploymentStateMachine states, Failures failures,
                        DeployConfig config) {
        this.deployments = deployments;
        this.states = states;
        this.failures = failures;
        this.config = config;
    }

    /** Waits for the next round, or fails the deployment once its capacity wait is over. */
    public Uni<Void> noCapacity(UUID id, Instant waitingSince, JobSpec spec) {
        Instant waitEnds = waitingSince.plus(Duration.ofMinutes(spec.limits().capacityWait()));
        return Panache.withTransaction(() -> deployments.locked(id).chain(d -> {
            Duration pause = backoff(d.capacityRounds);
            Instant next = Instant.now().plus(pause);
            if (d.status != DeploymentStatus.PROVISIONING || next.isAfter(waitEnds)) {
                return Uni.createFrom().item(false);
            }
            d.capacityRounds++;
            d.nextAttemptAt = next;
            return states.move(d, DeploymentStatus.PENDING, null, "No capacity on any of " + spec.gpu().types()
                    + "; trying again in " + pause.toSeconds() + " s (waiting for capacity until " + waitEnds + ").");
        })).chain(waiting -> waiting ? Uni.createFrom().voidItem()
                : failures.fail(id, FailureReason.FAILED_NO_CAPACITY, "No capacity on any of the GPU types "
                        + spec.gpu().types() + " in the " + spec.cloud() + " cloud"
                        + (spec.limits().capacityWait() > 0 ? " for " + spec.limits().capacityWait() + " min" : "")
                        + "; nothing is running or billing. Add GPU types to gpu.types, try the other cloud, "
                        + "or set limits.capacityWaitMinutes to wait for one.").replaceWithVoid());
    }

    private Duration backoff(int round) {
        Duration d = config.capacityBackoff().multipliedBy(1L << Math.min(round, 10));
        return d.compareTo(config.capacityBackoffMax()) > 0 ? config.capacityBackoffMax() : d;
    }
}
