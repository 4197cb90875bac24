package dev.trainpod.deploy.service;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Claims accepted deployments for provisioning, a few at a time; the claim is one atomic statement with
 * {@code SKIP LOCKED}, so several replicas never provision the same deployment.
 */
@ApplicationScoped
public class ProvisioningJob {

    private static final Logger LOG = Logger.getLogger(ProvisioningJob.class);
    private static final int BATCH = 4;
    private static final String CLAIM = """
            WITH claimed AS (
                UPDATE deployment SET status = 'PROVISIONING', updated_at = now()
                WHERE id IN (SELECT id FROM deployment WHERE status = 'PENDING'
                               AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                             ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
                RETURNING id),
            recorded AS (
                INSERT INTO deployment_transition (deployment_id, status, message, at)
                SELECT id, 'PROVISIONING', 'Looking for a GPU.', now() FROM claimed)
            SELECT id FROM claimed""";

    private final Pool pool;
    private final Provisioner provisioner;

    public ProvisioningJob(Pool pool, Provisioner provisioner) {
        this.pool = pool;
        this.provisioner = provisioner;
    }

    @Scheduled(every = "${trainpod.deploy.provisioning-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> provisionPending() {
        return pool.preparedQuery(CLAIM).execute(Tuple.of(BATCH))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .map((Row row) -> row.getUUID("id"))
                .onItem().transformToUniAndConcatenate((UUID id) -> provisioner.provision(id))
                .collect().last()
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("provisioning cycle failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
