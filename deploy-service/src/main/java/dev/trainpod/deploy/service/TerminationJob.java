package dev.trainpod.deploy.service;

import dev.trainpod.common.job.Sweep;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.repository.DeploymentRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Terminates the pods of ended deployments that are not confirmed terminated yet: the retry path when RunPod was
 * unreachable or hung, or the service stopped between the status change and the termination. The least recently
 * attempted go first, so pods that keep failing never hold back the others. It also announces the end of ended
 * deployments without a pod whose provisioning claim was abandoned (the replica died mid-create).
 */
@ApplicationScoped
public class TerminationJob {

    private static final Logger LOG = Logger.getLogger(TerminationJob.class);
    private static final int BATCH = 50;
    /** Longer than any create call with its retries: after this, no pod can come of an ended deployment's claim. */
    private static final Duration CREATE_CALL_BOUND = Duration.ofMinutes(10);

    private final Terminator terminator;
    private final DeploymentRepository deployments;
    private final DeploymentStateMachine states;
    private final DeployConfig config;

    public TerminationJob(Terminator terminator, DeploymentRepository deployments, DeploymentStateMachine states,
                          DeployConfig config) {
        this.terminator = terminator;
        this.deployments = deployments;
        this.states = states;
        this.config = config;
    }

    @Scheduled(every = "${trainpod.deploy.termination-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> terminateLeftovers() {
        return Sweep.each("termination", deployments.toTerminate(BATCH), terminator::terminate)
                .chain(() -> Sweep.each("releasing abandoned claims",
                        deployments.abandonedClaims(config.reconcileInterval().multipliedBy(2), CREATE_CALL_BOUND, BATCH),
                        this::releaseAbandoned));
    }

    private Uni<Void> releaseAbandoned(UUID id) {
        LOG.infof("deployment %s: its provisioning claim was abandoned; announcing its end", id);
        return Panache.withTransaction(() -> deployments.locked(id).chain(states::releaseClaim));
    }
}
