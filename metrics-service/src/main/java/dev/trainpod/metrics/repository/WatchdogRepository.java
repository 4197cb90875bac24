package dev.trainpod.metrics.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The watchdog's queries: its clock (when watching started again after a gap) and the overdue candidates. */
@ApplicationScoped
public class WatchdogRepository {

    // Candidates only: each is checked again under its lock before it is failed.
    private static final String OVERDUE = "SELECT deployment_id FROM jobs WHERE status = 'ACTIVE' AND ("
            + " GREATEST(last_heartbeat_at, $3::timestamptz) < now() - make_interval(secs => $1::float8)"
            + " OR (phase = 'TRAINING' AND idle_minutes > 0 AND artifacts_stored_at IS NULL"
            + " AND GREATEST(training_started_at, step_advanced_at, $3::timestamptz)"
            + " < now() - make_interval(mins => idle_minutes)))"
            + " ORDER BY last_heartbeat_at LIMIT $2::int";
    // Records this sweep; after a gap longer than $1 seconds since the last one, watching starts again now.
    private static final String TICK = "UPDATE watchdog_clock SET watching_since = CASE"
            + " WHEN last_sweep_at < now() - make_interval(secs => $1::float8) THEN now() ELSE watching_since END,"
            + " last_sweep_at = now() RETURNING watching_since";

    private final Pool pool;

    public WatchdogRepository(Pool pool) {
        this.pool = pool;
    }

    /** Records a sweep; the item is since when the watchdog has watched without a gap longer than {@code gap}. */
    public Uni<Instant> tick(Duration gap) {
        return pool.preparedQuery(TICK)
                .execute(Tuple.of(gap.toMillis() / 1000.0))
                .map(rows -> rows.iterator().next().getOffsetDateTime("watching_since").toInstant());
    }

    /**
     * Up to {@code batch} active jobs silent for {@code heartbeatTimeout} or idle, measured from no earlier than
     * {@code watchingSince}.
     */
    public Uni<List<UUID>> overdue(Duration heartbeatTimeout, int batch, Instant watchingSince) {
        return pool.preparedQuery(OVERDUE)
                .execute(Tuple.of(heartbeatTimeout.toMillis() / 1000.0, batch, watchingSince.atOffset(ZoneOffset.UTC)))
                .map(rows -> {
                    List<UUID> ids = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        ids.add(row.getUUID("deployment_id"));
                    }
                    return ids;
                });
    }
}
