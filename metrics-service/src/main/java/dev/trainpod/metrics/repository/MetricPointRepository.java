package dev.trainpod.metrics.repository;

import dev.trainpod.metrics.api.MetricPoint;
import dev.trainpod.metrics.api.MetricSeries;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Metric points on the reactive SQL client: a batch is one statement and one round trip, whatever its size. */
@ApplicationScoped
public class MetricPointRepository {

    static final String COLUMNS =
            "step, epoch, loss, learning_rate, grad_norm, tokens_per_second, extra, time";

    // One statement per batch, one round trip: it locks the job's row (FOR NO KEY UPDATE, as an UPDATE would, so
    // that a job ending meanwhile is seen, and batches of one job take turns) unless the deployment ended; it
    // records the heartbeat and the highest step ($10) on that row only when the stored heartbeat is older than
    // JobTelemetryRepository.HEARTBEAT_RESOLUTION or the step moved (no new row version for a retried batch or a
    // burst); then the points, travelling as one array per column, unnest back into rows, and a step the job
    // already has is skipped, so a retried batch adds nothing twice. The status read from the statement's
    // snapshot tells an ended job (409) from an unknown one (404).
    // The check for a stored step is paid only where one can be: every write of points raises the job's last_step
    // to their highest step under this row lock (and nothing lowers it), so no stored point is above the
    // last_step read here, and no other transaction can store one before this one commits. Points above it are
    // inserted as they are ("fresh", a repeated step kept once, its first occurrence, as the conflict check
    // would); only those at or below it go through ON CONFLICT, whose speculative insertion (an index probe and
    // a WAL record more per row) made a batch's insert about twice as dear in PostgreSQL.
    private static final String RECORD = "WITH job AS (SELECT deployment_id, last_step FROM jobs"
            + " WHERE deployment_id = $1 AND status <> 'ENDED' FOR NO KEY UPDATE),"
            + " beat AS (UPDATE jobs j SET last_heartbeat_at = now(),"
            + " step_advanced_at = CASE WHEN $10::int > COALESCE(j.last_step, -1) THEN now() ELSE j.step_advanced_at END,"
            + " last_step = GREATEST(j.last_step, $10::int)"
            + " FROM job WHERE j.deployment_id = job.deployment_id AND (" + JobTelemetryRepository.HEARTBEAT_STALE
            + " OR $10::int > COALESCE(j.last_step, -1)) RETURNING 1),"
            + " fresh AS (INSERT INTO metric_points (deployment_id, " + COLUMNS + ")"
            + " SELECT DISTINCT ON (p.step) " + Points.VALUES + Points.FROM
            + " WITH ORDINALITY AS p(" + COLUMNS + ", n)"
            + " WHERE p.step > COALESCE(job.last_step, -1) ORDER BY p.step, p.n RETURNING 1),"
            + " added AS (INSERT INTO metric_points (deployment_id, " + COLUMNS + ")"
            + " SELECT " + Points.VALUES + Points.FROM + " AS p(" + COLUMNS + ")"
            + " WHERE p.step <= COALESCE(job.last_step, -1)"
            + " ON CONFLICT (deployment_id, step) DO NOTHING RETURNING 1)"
            + " SELECT (SELECT count(*) FROM job) AS written,"
            + " (SELECT count(*) FROM fresh) + (SELECT count(*) FROM added) AS added,"
            + " (SELECT status FROM jobs WHERE deployment_id = $1) AS status";

    /** The parts of {@link #RECORD} that read the points from the arrays, the same in both of its inserts. */
    private static final class Points {
        static final String VALUES = "job.deployment_id, p.step, p.epoch, p.loss, p.learning_rate, p.grad_norm,"
                + " p.tokens_per_second, p.extra::jsonb, COALESCE(p.time, now())";
        static final String FROM = " FROM job, unnest($2::int[], $3::float8[], $4::float8[], $5::float8[],"
                + " $6::float8[], $7::float8[], $8::text[], $9::timestamptz[])";
    }

    /**
     * What recording a batch did.
     *
     * @param written false when nothing was written: the job is unknown ({@code status} null) or has ended
     * @param added how many of the points were new
     */
    public record Recorded(boolean written, int added, String status) {
    }

    // Min/max downsampling: the points are cut into $4 buckets of consecutive steps, and each bucket keeps its
    // point of lowest and of highest loss (the first and last step where no point has a loss), so a spike or a
    // dip anywhere survives, and the first and last points always do. All points come back when they fit.
    private static final String SERIES = "SELECT " + COLUMNS + ", n FROM ("
            + " SELECT " + COLUMNS + ", n,"
            + " row_number() OVER (PARTITION BY b ORDER BY loss ASC NULLS LAST, step) AS lowest,"
            + " row_number() OVER (PARTITION BY b ORDER BY loss DESC NULLS LAST, step DESC) AS highest"
            + " FROM (SELECT " + COLUMNS + ", count(*) OVER () AS n,"
            + " (row_number() OVER (ORDER BY step) - 1) * $4::int / count(*) OVER () AS b"
            + " FROM metric_points WHERE deployment_id = $1 AND step > $2::int) t) u"
            + " WHERE n <= $3::int OR lowest = 1 OR highest = 1"
            + " ORDER BY step";

    private final Pool pool;
    private final MetricPointGroupCommit groupCommit;

    public MetricPointRepository(Pool pool, MetricPointGroupCommit groupCommit) {
        this.pool = pool;
        this.groupCommit = groupCommit;
    }

    /** Validated points in the columns {@link #record} takes. */
    public static MetricColumns columns(List<MetricPoint> points) {
        MetricColumns columns = new MetricColumns(points.size());
        for (MetricPoint p : points) {
            columns.add(p.step(), p.epoch(), p.loss(), p.learningRate(), p.gradNorm(), p.tokensPerSecond(),
                    p.time() == null ? null : p.time().atOffset(ZoneOffset.UTC),
                    p.extra() == null || p.extra().isEmpty() ? null : new JsonObject(p.extra()).encode());
        }
        return columns;
    }

    /**
     * Records a heartbeat at the points' highest step and stores the points the job does not have yet, in one
     * statement, unless the job is unknown or ended. The statement runs in a group commit with other requests'
     * batches ({@link MetricPointGroupCommit}); the item comes after that transaction has committed.
     */
    public Uni<Recorded> record(UUID deploymentId, MetricColumns columns) {
        Object[] arrays = columns.arrays();
        Object[] args = new Object[arrays.length + 2];
        args[0] = deploymentId;
        System.arraycopy(arrays, 0, args, 1, arrays.length);
        args[args.length - 1] = columns.highestStep();
        return groupCommit.submit(RECORD, deploymentId, Tuple.from(args), Math.max(1, columns.size()))
                .map(row -> new Recorded(row.getLong("written") > 0, row.getLong("added").intValue(),
                        row.getString("status")));
    }

    /** The lowest eval loss among the job's points (their {@code evalLoss}), or null when it never evaluated. */
    public Uni<Double> bestEvalLoss(UUID deploymentId) {
        return pool.preparedQuery("SELECT min((extra->>'evalLoss')::float8) AS best FROM metric_points"
                        + " WHERE deployment_id = $1 AND jsonb_typeof(extra->'evalLoss') = 'number'")
                .execute(Tuple.of(deploymentId))
                .map(rows -> rows.iterator().next().getDouble("best"));
    }

    /** The job's latest points, highest step first. */
    public Uni<List<MetricPoint>> latest(UUID deploymentId, int count) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM metric_points WHERE deployment_id = $1"
                        + " ORDER BY step DESC LIMIT $2::int")
                .execute(Tuple.of(deploymentId, count))
                .map(MetricPointRepository::points);
    }

    /**
     * The job's points after step {@code afterStep}, in step order, at most {@code maxPoints} (2 or more) of them: when there
     * are more, each of {@code maxPoints / 2} buckets keeps its lowest- and highest-loss point.
     */
    public Uni<MetricSeries> series(UUID deploymentId, int afterStep, int maxPoints) {
        return pool.preparedQuery(SERIES)
                .execute(Tuple.of(deploymentId, afterStep, maxPoints, maxPoints / 2))
                .map(rows -> {
                    List<MetricPoint> points = points(rows);
                    long total = rows.size() == 0 ? 0 : rows.iterator().next().getLong("n");
                    return new MetricSeries(points, total > points.size());
                });
    }

    /** Time since the request, if no point below the batch's lowest step is stored: the batch holds the first. */
    private static final String FIRST_STEP = "SELECT EXTRACT(EPOCH FROM (now() - j.created_at)) AS seconds FROM jobs j"
            + " WHERE j.deployment_id = $1 AND NOT EXISTS (SELECT 1 FROM metric_points p"
            + " WHERE p.deployment_id = $1 AND p.step < $2)";

    /**
     * See {@link #FIRST_STEP}: the seconds since the job's request when no point below {@code lowestStep} is
     * stored (the points from {@code lowestStep} on hold its first step), else null; runs on its own.
     */
    public Uni<Double> secondsToFirstStep(UUID deploymentId, int lowestStep) {
        return pool.preparedQuery(FIRST_STEP).execute(Tuple.of(deploymentId, lowestStep)).map(rows -> {
            for (Row row : rows) {
                return row.getNumeric("seconds").doubleValue();
            }
            return null;
        });
    }

    private static List<MetricPoint> points(RowSet<Row> rows) {
        List<MetricPoint> points = new ArrayList<>(rows.size());
        for (Row row : rows) {
            points.add(point(row));
        }
        return points;
    }

    /** The point of a row that has the {@code COLUMNS}. */
    static MetricPoint point(Row row) {
        JsonObject extra = row.getJsonObject("extra");
        return new MetricPoint(row.getInteger("step"), row.getDouble("epoch"), row.getDouble("loss"),
                row.getDouble("learning_rate"), row.getDouble("grad_norm"), row.getDouble("tokens_per_second"),
                row.getOffsetDateTime("time").toInstant(), extra == null ? Map.of() : extra.getMap());
    }
}
