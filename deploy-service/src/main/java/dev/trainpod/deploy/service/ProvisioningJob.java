package dev.trainpod.deploy.service;

import dev.trainpod.common.job.BenchHold;
import dev.trainpod.common.job.JobLease;
import dev.trainpod.common.job.Sweep;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.service.DeploymentStateMachine.Claim;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Claims accepted deployments for provisioning fairly across users ({@link DeploymentStateMachine#claimForProvisioning})
 * and provisions them side by side, each on a Vert.x context of its own, at most
 * {@code trainpod.deploy.provisioning-concurrency} at once per replica: a cycle claims only as many as are free, so
 * one slow or hung create call holds one slot, not the queue. The claim is one atomic statement with
 * {@code SKIP LOCKED}, so several replicas never provision the same deployment. A deployment left in PROVISIONING
 * without a pod by a replica that died (its liveness lease lapsed) is claimed again; its pod may exist already
 * (created, but the answer never recorded), so it is looked for by name before another is created.
 */
@ApplicationScoped
public class ProvisioningJob {

    private static final Logger LOG = Logger.getLogger(ProvisioningJob.class);
    static final String REPLICA_LEASE = "replica:";
    /** A replica renews its liveness every few seconds; one silent for half a minute is taken for dead. */
    private static final Duration LIVENESS_TTL = Duration.ofSeconds(30);
    private final DeploymentStateMachine states;
    private final Provisioner provisioner;
    private final JobLease lease;
    private final DeployConfig config;
    private final Vertx vertx;
    private final BenchHold hold;
    /** Provisionings this replica has started and not yet seen end. */
    private final AtomicInteger running = new AtomicInteger();

    public ProvisioningJob(DeploymentStateMachine states, Provisioner provisioner, JobLease lease,
                           DeployConfig config, Vertx vertx, BenchHold hold) {
        this.hold = hold;
        this.states = states;
        this.provisioner = provisioner;
        this.lease = lease;
        this.config = config;
        this.vertx = vertx;
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
        int free = config.provisioningConcurrency() - running.get();
        // held: a benchmark measures the accept path alone (BenchHold; never in production)
        if (free <= 0 || hold.held()) {
            return Uni.createFrom().voidItem();
        }
        return Sweep.guarded("provisioning", lease.take(REPLICA_LEASE + lease.holder(), LIVENESS_TTL)
                .chain(() -> states.claimForProvisioning(free, lease.holder()))
                .invoke(this::pace), List.<Claim>of()).replaceWithVoid();
    }

    /**
     * Starts a cycle's claims spread over the interval, not all at once: the start of a provisioning (its
     * reads, the dataset token minted, the job token signed, the create call) is a burst of CPU in this service, in
     * dataset-service and in PostgreSQL, and eight of them together held both CPUs of a small node for a good part
     * of every second, delaying the requests that came in meanwhile. The starts are one interval / concurrency
     * apart, whatever the cycle claimed, so a cycle that claimed one or two (the other slots busy with slow create
     * calls) starts them at once or nearly: a claim waiting for its start holds its slot (so the next cycle does not
     * claim more than are free), at most one interval for the last of a full cycle.
     */
    private void pace(List<Claim> claims) {
        long step = config.provisioningInterval().toMillis() / Math.max(1, config.provisioningConcurrency());
        for (int i = 0; i < claims.size(); i++) {
            Claim claim = claims.get(i);
            running.incrementAndGet();
            if (i == 0 || step <= 0) {
                start(claim);
            } else {
                vertx.setTimer(i * step, ignored -> start(claim));
            }
        }
    }

    /**
     * Provisions one claimed deployment (its slot already taken) on a context of its own (its own reactive session)
     * and returns at once; the slot is given back however it ends. Every outcome of the provisioning itself ends in
     * a recorded status and a released claim ({@link Provisioner}).
     */
    private void start(Claim claim) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> Uni.createFrom()
                .deferred(() -> claim.again() ? provisioner.resume(claim.id()) : provisioner.provision(claim.id()))
                .onTermination().invoke(running::decrementAndGet)
                .subscribe().with(done -> { }, e -> LOG.warnf("provisioning deployment %s ended in an error: %s",
                        claim.id(), e.getMessage())));
    }
}
