package dev.trainpod.metrics.repository;

import dev.trainpod.metrics.JobStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** The statements on a job's row that go with a metrics or log write, on the reactive SQL client. */
@ApplicationScoped
public class JobTelemetryRepository {

    /**
     * How stale a stored heartbeat may be: a write whose job's heartbeat is younger than this does not write it
     * again (no new row version per request for a pod that writes often). The watchdog adds it to its timeout,
     * so a pod is never presumed lost earlier than with a heartbeat stored on every write.
     */
    public static final Duration HEARTBEAT_RESOLUTION = Duration.ofSeconds(1);
    /** SQL: the stored heartbeat of {@code j} is older than {@link #HEARTBEAT_RESOLUTION} (or absent). */
    static final String HEARTBEAT_STALE = "(j.last_heartbeat_at IS NULL OR j.last_heartbeat_at < now() - interval '"
            + HEARTBEAT_RESOLUTION.toSeconds() + " second')";

    /** Whether a heartbeat stored at {@code stored} must be written again at {@code now}. */
    public static boolean heartbeatStale(Instant stored, Instant now) {
        return stored == null || stored.isBefore(now.minus(HEARTBEAT_RESOLUTION));
    }

    /**
     * What a telemetry write needs to know about its job.
     *
     * @param logLinesStored how many log lines the job holds now
     */
    public record WriteState(JobStatus status, int logLinesStored) {
    }

    /**
     * Records a heartbeat (and the step, when one is given, if it is the highest yet) and locks the job's row
     * for the rest of the transaction; the item is null when there is no such job.
     */
    public Uni<WriteState> heartbeat(SqlConnection conn, UUID deploymentId, Integer step) {
        return conn.preparedQuery("UPDATE jobs SET last_heartbeat_at = now(),"
                        + " step_advanced_at = CASE WHEN $2::int > COALESCE(last_step, -1) THEN now()"
                        + " ELSE step_advanced_at END,"
                        + " last_step = GREATEST(last_step, $2::int)"
                        + " WHERE deployment_id = $1 RETURNING status, log_lines_stored")
                .execute(Tuple.of(deploymentId, step))
                .map(JobTelemetryRepository::firstState);
    }

    /** Creates an active job for the deployment, owned by {@code userId}, unless one exists. */
    public Uni<Void> openIfAbsent(SqlConnection conn, UUID deploymentId, String userId) {
        return conn.preparedQuery("INSERT INTO jobs (deployment_id, user_id, status, created_at)"
                        + " VALUES ($1, $2, 'ACTIVE', now()) ON CONFLICT (deployment_id) DO NOTHING")
                .execute(Tuple.of(deploymentId, userId))
                .replaceWithVoid();
    }

    private static WriteState firstState(RowSet<Row> rows) {
        if (rows.size() == 0) {
            return null;
        }
        Row row = rows.iterator().next();
        return new WriteState(JobStatus.valueOf(row.getString("status")), row.getInteger("log_lines_stored"));
    }
}
