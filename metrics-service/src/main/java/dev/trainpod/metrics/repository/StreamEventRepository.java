package dev.trainpod.metrics.repository;

import dev.trainpod.metrics.api.StreamEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/** A job's points, log lines, phase changes and stored checkpoints after a given event id, merged into one ordered list. */
@ApplicationScoped
public class StreamEventRepository {

    private static final String POINTS = "SELECT seq, " + MetricPointRepository.COLUMNS
            + " FROM metric_points WHERE deployment_id = $1 AND seq > $2 ORDER BY seq LIMIT $3::int";
    private static final String LINES = "SELECT seq, line, time"
            + " FROM log_lines WHERE deployment_id = $1 AND seq > $2 ORDER BY seq LIMIT $3::int";
    private static final String CHECKPOINTS = "SELECT seq, step, stored_at"
            + " FROM stored_checkpoints WHERE deployment_id = $1 AND seq > $2 ORDER BY seq LIMIT $3::int";
    private static final String PHASES = "SELECT seq, phase, status, reason, message, time"
            + " FROM phase_changes WHERE deployment_id = $1 AND seq > $2 ORDER BY seq LIMIT $3::int";

    private static final String STATE = "SELECT status, telemetry_deleted_at IS NOT NULL AS deleted,"
            + " (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM telemetry_seq) AS last_seq"
            + " FROM jobs WHERE deployment_id = $1";

    private final Pool pool;

    public StreamEventRepository(Pool pool) {
        this.pool = pool;
    }

    /** The owner of the job, or null when there is no such job. */
    public Uni<String> owner(UUID deploymentId) {
        return pool.preparedQuery("SELECT user_id FROM jobs WHERE deployment_id = $1")
                .execute(Tuple.of(deploymentId))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("user_id"));
    }

    /**
     * Where the job's stream stands for a client whose last event is {@code afterId}: {@code GONE} when the job or
     * its events (retention) are gone, {@code PAST} when no event was ever numbered beyond {@code afterId},
     * {@code ENDED} when the deployment ended, otherwise {@code LIVE}.
     */
    public Uni<StreamState> state(UUID deploymentId, long afterId) {
        return pool.preparedQuery(STATE).execute(Tuple.of(deploymentId)).map(rows -> {
            if (rows.size() == 0) {
                return StreamState.GONE;
            }
            Row row = rows.iterator().next();
            if (row.getBoolean("deleted")) {
                return StreamState.GONE;
            }
            if (afterId > row.getLong("last_seq")) {
                return StreamState.PAST;
            }
            return "ENDED".equals(row.getString("status")) ? StreamState.ENDED : StreamState.LIVE;
        });
    }

    /** See {@link #state}. */
    public enum StreamState { LIVE, ENDED, PAST, GONE }

    /** Up to about {@code limit} of the job's events with an id above {@code afterId}, in id order, with no gap. */
    public Uni<List<StreamEvent>> after(UUID deploymentId, long afterId, int limit) {
        Tuple args = Tuple.of(deploymentId, afterId, limit);
        return pool.preparedQuery(POINTS).execute(args).chain(points ->
                pool.preparedQuery(LINES).execute(args).chain(lines ->
                        pool.preparedQuery(PHASES).execute(args).chain(phases ->
                                pool.preparedQuery(CHECKPOINTS).execute(args).map(checkpoints ->
                                        merge(limit, points, lines, phases, checkpoints)))));
    }

    @SafeVarargs
    private static List<StreamEvent> merge(int limit, RowSet<Row>... sources) {
        List<StreamEvent> events = new ArrayList<>();
        long cutoff = Long.MAX_VALUE;
        for (int i = 0; i < sources.length; i++) {
            long last = -1;
            for (Row row : sources[i]) {
                events.add(event(i, row));
                last = row.getLong("seq");
            }
            if (sources[i].size() >= limit) {
                // this source may have more beyond its last row: later events of the others must wait for them
                cutoff = Math.min(cutoff, last);
            }
        }
        long keepUpTo = cutoff;
        return events.stream().filter(e -> e.id() <= keepUpTo).sorted(Comparator.comparingLong(StreamEvent::id))
                .toList();
    }

    private static StreamEvent event(int source, Row row) {
        long seq = row.getLong("seq");
        return switch (source) {
            case 0 -> new StreamEvent(seq, StreamEvent.METRIC, MetricPointRepository.point(row));
            case 1 -> new StreamEvent(seq, StreamEvent.LOG, new StreamEvent.Log(row.getString("line"),
                    row.getOffsetDateTime("time").toInstant()));
            case 3 -> new StreamEvent(seq, StreamEvent.CHECKPOINT, new StreamEvent.Checkpoint(row.getInteger("step"),
                    row.getOffsetDateTime("stored_at").toInstant()));
            default -> new StreamEvent(seq, StreamEvent.PHASE, new StreamEvent.Phase(row.getString("phase"),
                    row.getString("status"), row.getString("reason"), row.getString("message"),
                    row.getOffsetDateTime("time").toInstant()));
        };
    }
}
