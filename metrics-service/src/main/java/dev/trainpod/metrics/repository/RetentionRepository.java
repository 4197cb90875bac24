package dev.trainpod.metrics.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The retention statement: deletes the points, log lines, phase changes and stored checkpoints of jobs that ended longer ago than the
 * retention, and marks those jobs, in one statement; replicas take different jobs ({@code SKIP LOCKED}).
 */
@ApplicationScoped
public class RetentionRepository {

    private static final String DELETE_EXPIRED = "WITH old AS (SELECT deployment_id FROM jobs"
            + " WHERE status = 'ENDED' AND telemetry_deleted_at IS NULL"
            + " AND ended_at < now() - make_interval(secs => $1::float8)"
            + " ORDER BY ended_at LIMIT $2::int FOR UPDATE SKIP LOCKED),"
            + " points AS (DELETE FROM metric_points WHERE deployment_id IN (SELECT deployment_id FROM old)),"
            + " lines AS (DELETE FROM log_lines WHERE deployment_id IN (SELECT deployment_id FROM old)),"
            + " phases AS (DELETE FROM phase_changes WHERE deployment_id IN (SELECT deployment_id FROM old)),"
            + " checkpoints AS (DELETE FROM stored_checkpoints WHERE deployment_id IN (SELECT deployment_id FROM old))"
            + " UPDATE jobs SET telemetry_deleted_at = now(), log_lines_stored = 0"
            + " WHERE deployment_id IN (SELECT deployment_id FROM old)";

    private final Pool pool;

    public RetentionRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Deletes the telemetry of up to {@code batch} jobs ended longer than {@code retention} ago, in a transaction
     * of its own; the item is how many jobs.
     */
    public Uni<Integer> deleteExpired(Duration retention, int batch) {
        return pool.withTransaction(conn -> conn.preparedQuery(DELETE_EXPIRED)
                .execute(Tuple.of(retention.toMillis() / 1000.0, batch))
                .map(RowSet::rowCount));
    }
}
