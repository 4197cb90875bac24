package dev.trainpod.deploy.service;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Claims accepted deployments for provisioning, a few at a time; the claim is one atomic statement with
 * {@code SKIP LOCKED}, so several replicas never provision the same deployment. A deployment left in PROVISIONING
 * without a pod by a replica that died (its liveness lease lapsed) is claimed again; its pod may exist already
 * (created, but the answer never recorded), so it is looked for by name before another is created.
 */
@ApplicationScoped
public class ProvisioningJob {

    private static final Logger LOG = Logger.getLogger(ProvisioningJob.class);
    private static final int BATCH = 4;
    static final String REPLICA_LEASE = "replica:";
    /** A replica renews its liveness every few seconds; one silent for half a minute is taken for dead. */
    private static final Duration LIVENESS_TTL = Duration.ofSeconds(30);
    private static final String CLAIM = """
            WITH candidates AS (
                SELECT id, status AS was FROM deployment d
                WHERE (status = 'PENDING' AND (next_attempt_at IS NULL OR next_attempt_at <= now()))
                   OR (status = 'PROVISIONING' AND pod_id IS NULL AND claimed_by IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM job_lease l
                                       WHERE l.name = 'replica:' || d.claimed_by AND l.held_until > now()))
                ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED),
            claimed AS (
                UPDATE deployment SET status = 'PROVISIONING', claimed_by = $2, updated_at = now()
                FROM candidates c WHERE deployment.id = c.id
                RETURNING deployment.id, c.was),
            recorded AS (
                INSERT INTO deployment_transition (deployment_id, status, message, at)
                SELECT id, 'PROVISIONING', CASE WHEN was = 'PROVISIONING'
                    THEN 'The replica provisioning it stopped; looking for its pod, then for a GPU.'
                    ELSE 'Looking for a GPU.' END, now() FROM claimed)
            SELECT id, was FROM claimed""";

    private final Pool pool;
    private final Provisioner provisioner;
    private final JobLease lease;

    public ProvisioningJob(Pool pool, Provisioner provisioner, JobLease lease) {
        this.pool = pool;
        this.provisioner = provisioner;
        this.lease = lease;
    }

    /** Renews this replica's liveness lease, apart from provisioning, which can take minutes per cycle. */
    @Scheduled(every = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> stayAlive() {
        return lease.take(REPLICA_LEASE + lease.holder(), LIVENESS_TTL).replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("renewing the replica lease failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    @Scheduled(every = "${trainpod.deploy.provisioning-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> provisionPending() {
        return lease.take(REPLICA_LEASE + lease.holder(), LIVENESS_TTL)
                .chain(() -> pool.preparedQuery(CLAIM).execute(Tuple.of(BATCH, lease.holder())))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate((Row row) -> "PROVISIONING".equals(row.getString("was"))
                        ? provisioner.resume(row.getUUID("id"))
                        : provisioner.provision(row.getUUID("id")))
                .collect().last()
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("provisioning cycle failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
