package dev.trainpod.metrics.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
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

    /** Appends the lines, in their order, in one statement. */
    public Uni<Void> append(SqlConnection conn, UUID deploymentId, List<String> lines) {
        return conn.preparedQuery("INSERT INTO log_lines (deployment_id, line, time)"
                        + " SELECT $1::uuid, l.line, now()"
                        + " FROM unnest($2::text[]) WITH ORDINALITY AS l(line, n) ORDER BY l.n")
                .execute(Tuple.of(deploymentId, lines.toArray(new String[0])))
                .replaceWithVoid();
    }

    /** Deletes the job's {@code count} oldest lines; the item is how many went. */
    public Uni<Integer> deleteOldest(SqlConnection conn, UUID deploymentId, int count) {
        return conn.preparedQuery("DELETE FROM log_lines WHERE deployment_id = $1 AND seq IN"
                        + " (SELECT seq FROM log_lines WHERE deployment_id = $1 ORDER BY seq LIMIT $2::int)")
                .execute(Tuple.of(deploymentId, count))
                .map(RowSet::rowCount);
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
