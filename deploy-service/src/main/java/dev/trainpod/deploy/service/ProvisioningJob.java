package dev.trainpod.deploy.service;

import dev.trainpod.common.job.JobLease;
import dev.trainpod.common.job.Sweep;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Claims accepted deployments for provisioning, a few at a time and fairly across users
 * ({@link DeploymentStateMachine#claimForProvisioning}); the claim is one atomic statement with {@code SKIP LOCKED},
 * so several replicas never provision the same deployment. A deployment left in PROVISIONING
 * without a pod by a replica that died (its liveness lease lapsed) is claimed again; its pod may exist already
 * (created, but the answer never recorded), so it is looked for by name before another is created.
 */
@ApplicationScoped
public class ProvisioningJob {

    private static final int BATCH = 4;
    static final String REPLICA_LEASE = "replica:";
    /** A replica renews its liveness every few seconds; one silent for half a minute is taken for dead. */
    private static final Duration LIVENESS_TTL = Duration.ofSeconds(30);
    private final DeploymentStateMachine states;
    private final Provisioner provisioner;
    private final JobLease lease;

    public ProvisioningJob(DeploymentStateMachine states, Provisioner provisioner, JobLease lease) {
        this.states = states;
        this.provisioner = provisioner;
        this.lease = lease;
    }

    /** Renews this replica's liveness lease, apart from provisioning, which can take minutes per cycle. */
    @Scheduled(every = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> stayAlive() {
        return Sweep.guarded("renewing the replica lease",
                () -> lease.take(REPLICA_LEASE + lease.holder(), LIVENESS_TTL));
    }

    @Scheduled(every = "${trainpod.deploy.provisioning-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> provisionPending() {
        return Sweep.each("provisioning", lease.take(REPLICA_LEASE + lease.holder(), LIVENESS_TTL)
                        .chain(() -> states.claimForProvisioning(BATCH, lease.holder())),
                claim -> claim.again() ? provisioner.resume(claim.id()) : provisioner.provision(claim.id()));
    }
}
