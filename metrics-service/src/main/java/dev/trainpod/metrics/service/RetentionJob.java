package dev.trainpod.metrics.service;

import dev.trainpod.common.job.JobLease;
import dev.trainpod.common.job.Sweep;
import dev.trainpod.metrics.config.MetricsConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Deletes the points, log lines and phase changes of jobs whose deployment ended longer ago than
 * {@code trainpod.metrics.retention}; the job's row (owner, outcome, last progress) stays. One replica at a time
 * runs it (a {@link JobLease}); a batch also locks its jobs ({@code SKIP LOCKED}).
 */
@ApplicationScoped
public class RetentionJob {

    private static final int BATCH = 100;

    private static final String DELETE_EXPIRED = "WITH old AS (SELECT deployment_id FROM jobs"
            + " WHERE status = 'ENDED' AND telemetry_deleted_at IS NULL"
            + " AND ended_at < now() - make_interval(secs => $1::float8)"
            + " ORDER BY ended_at LIMIT $2::int FOR UPDATE SKIP LOCKED),"
            + " points AS (DELETE FROM metric_points WHERE deployment_id IN (SELECT deployment_id FROM old)),"
            + " lines AS (DELETE FROM log_lines WHERE deployment_id IN (SELECT deployment_id FROM old)),"
            + " phases AS (DELETE FROM phase_changes WHERE deployment_id IN (SELECT deployment_id FROM old))"
            + " UPDATE jobs SET telemetry_deleted_at = now(), log_lines_stored = 0"
            + " WHERE deployment_id IN (SELECT deployment_id FROM old)";

    private final Pool pool;
    private final MetricsConfig config;
    private final JobLease lease;

    public RetentionJob(Pool pool, MetricsConfig config, JobLease lease) {
        this.pool = pool;
        this.config = config;
        this.lease = lease;
    }

    @Scheduled(every = "${trainpod.metrics.retention-interval}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> deleteExpired() {
        return Sweep.guarded("telemetry retention", () -> lease.whileHeld("metrics:retention",
                config.retentionInterval(), () -> Multi.createBy().repeating().uni(this::deleteBatch)
                        .until(jobs -> jobs < BATCH).collect().last()));
    }

    /** Deletes the telemetry of up to one batch of expired jobs; the item is how many jobs. */
    private Uni<Integer> deleteBatch() {
        return pool.withTransaction(conn -> conn.preparedQuery(DELETE_EXPIRED)
                .execute(Tuple.of(config.retention().toMillis() / 1000.0, BATCH))
                .map(RowSet::rowCount));
    }
}
