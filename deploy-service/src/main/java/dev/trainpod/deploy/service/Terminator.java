package dev.trainpod.deploy.service;

import dev.trainpod.common.tracing.DeploymentTraces;
import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.repository.DeploymentRepository.TerminationTarget;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Terminates a deployment's pod at RunPod and, once RunPod confirms it is gone, records the billed time and
 * cost through the {@link DeploymentStateMachine} (which announces {@code DeploymentEnded}). Safe to call any number of times, from any replica: a claim on the
 * row ({@link DeploymentRepository#claimTermination}) makes sure one DELETE is sent at a time.
 */
@ApplicationScoped
public class Terminator {

    private static final Logger LOG = Logger.getLogger(Terminator.class);

    private static final double CLAIM_SECONDS = 120;

    private final RunPodClient runPod;
    private final PodCredentials credentials;
    private final DeploymentRepository deployments;
    private final DeploymentStateMachine states;
    private final Vertx vertx;
    @Inject
    DeploymentTraces traces;

    public Terminator(RunPodClient runPod, PodCredentials credentials, DeploymentRepository deployments,
                      DeploymentStateMachine states, Vertx vertx) {
        this.runPod = runPod;
        this.credentials = credentials;
        this.deployments = deployments;
        this.states = states;
        this.vertx = vertx;
    }

    /**
     * Starts terminating the deployment's pod on a context of its own and returns at once: a caller that has just
     * committed an end (a request, a consumed event, a reaper verdict) never waits on RunPod. A termination that
     * fails or hangs is retried by {@link TerminationJob}.
     */
    public Uni<Void> terminateSoon(UUID deploymentId) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> terminate(deploymentId).subscribe().with(
                done -> { },
                e -> LOG.warnf("terminating the pod of deployment %s failed, the termination job retries it: %s",
                        deploymentId, e.getMessage())));
        return Uni.createFrom().voidItem();
    }

    /** Terminates the pod if the deployment has one still running and no other replica is terminating it. */
    public Uni<Void> terminate(UUID deploymentId) {
        return traces.within("terminate pod", deploymentId, () -> claimAndTerminate(deploymentId));
    }

    private Uni<Void> claimAndTerminate(UUID deploymentId) {
        return deployments.claimTermination(deploymentId, CLAIM_SECONDS)
                .chain(target -> target == null ? Uni.createFrom().voidItem() : terminate(deploymentId, target));
    }

    private Uni<Void> terminate(UUID deploymentId, TerminationTarget target) {
        // deferred: a failure while the chain is assembled must also release the claim below
        return Uni.createFrom().deferred(() -> Panache.withSession(() -> credentials.forDeployment(deploymentId,
                        target.userId())))
                .chain(key -> key.isEmpty()
                        ? Uni.createFrom().failure(new IllegalStateException("no RunPod key is stored"))
                        : runPod.terminatePod(key.get(), target.podId()))
                .chain(() -> recordTerminated(deploymentId))
                .onFailure().call(e -> {
                    LOG.warnf("terminating pod %s of deployment %s failed: %s", target.podId(), deploymentId,
                            e.getMessage());
                    return deployments.releaseTermination(deploymentId, CLAIM_SECONDS)
                            .onFailure().recoverWithNull();
                });
    }

    private Uni<Void> recordTerminated(UUID deploymentId) {
        return Panache.withTransaction(() -> deployments.locked(deploymentId)
                .chain(d -> states.podTerminated(d, Instant.now())));
    }
}
