package dev.trainpod.metrics.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/** A job's log lines on the reactive SQL client, in the order they arrived. */
@ApplicationScoped
public class LogLineRepository {

    private final Pool pool;

    public LogLineRepository(Pool pool) {
        this.pool = pool;
    }

    // One statement per batch: drops the job's oldest lines beyond its cap, appends the batch in order (the lines
    // travel as one array), and keeps the job's line counts; the job's row is locked by the caller.
    private static final String APPEND = "WITH gone AS (DELETE FROM log_lines WHERE deployment_id = $1 AND seq IN"
            + " (SELECT seq FROM log_lines WHERE deployment_id = $1 ORDER BY seq LIMIT $3::int) RETURNING 1),"
            + " added AS (INSERT INTO log_lines (deployment_id, line, time)"
            + " SELECT $1::uuid, l.line, now() FROM unnest($2::text[]) WITH ORDINALITY AS l(line, n) ORDER BY l.n"
            + " RETURNING 1)"
            + " UPDATE jobs SET log_lines_stored = log_lines_stored - (SELECT count(*) FROM gone)"
            + " + (SELECT count(*) FROM added),"
            + " log_lines_dropped = log_lines_dropped + $4::bigint + (SELECT count(*) FROM gone)"
            + " WHERE deployment_id = $1";

    /**
     * Appends the lines in their order, first deleting the job's {@code dropOldest} oldest lines, and counts them
     * and the {@code droppedFromBatch} lines the caller left out, all in one statement.
     */
    public Uni<Void> append(SqlConnection conn, UUID deploymentId, List<String> lines, int dropOldest,
                            long droppedFromBatch) {
        return conn.preparedQuery(APPEND)
                .execute(Tuple.of(deploymentId, lines.toArray(new String[0]), dropOldest, droppedFromBatch))
                .replaceWithVoid();
    }

    /** The job's last {@code count} lines, oldest first. */
    public Uni<List<String>> tail(UUID deploymentId, int count) {
        return pool.preparedQuery("SELECT line FROM log_lines WHERE deployment_id = $1"
                        + " ORDER BY seq DESC LIMIT $2::int")
                .execute(Tuple.of(deploymentId, count))
                .map(rows -> {
                    List<String> lines = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        lines.add(row.getString("line"));
                    }
                    Collections.reverse(lines);
                    return lines;
                });
    }
}
