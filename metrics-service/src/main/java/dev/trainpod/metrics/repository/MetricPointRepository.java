package dev.trainpod.metrics.repository;

import dev.trainpod.metrics.MetricPoint;
import dev.trainpod.metrics.MetricSeries;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Metric points on the reactive SQL client: a batch is one statement, whatever its size. */
@ApplicationScoped
public class MetricPointRepository {

    private static final String COLUMNS =
            "step, epoch, loss, learning_rate, grad_norm, tokens_per_second, extra, time";

    // One statement per batch: the points travel as one array per column and unnest back into rows; a step the
    // job already has is skipped, so a retried batch adds nothing twice.
    private static final String INSERT = "INSERT INTO metric_points (deployment_id, " + COLUMNS + ")"
            + " SELECT $1::uuid, p.step, p.epoch, p.loss, p.learning_rate, p.grad_norm, p.tokens_per_second,"
            + " p.extra::jsonb, COALESCE(p.time, now())"
            + " FROM unnest($2::int[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],"
            + " $8::text[], $9::timestamptz[]) AS p(" + COLUMNS + ")"
            + " ON CONFLICT (deployment_id, step) DO NOTHING";

    // Keeps every n-th point and the last one, n chosen so that at most $3 points come back.
    private static final String SERIES = "SELECT " + COLUMNS + ", n FROM ("
            + " SELECT " + COLUMNS + ", row_number() OVER (ORDER BY step) - 1 AS i, count(*) OVER () AS n"
            + " FROM metric_points WHERE deployment_id = $1 AND step > $2::int) t"
            + " WHERE n <= $3::int OR i = n - 1"
            + " OR ($3::int > 1 AND i % ceil(n::numeric / ($3::int - 1))::bigint = 0)"
            + " ORDER BY step";

    private final Pool pool;

    public MetricPointRepository(Pool pool) {
        this.pool = pool;
    }

    /** Stores the points the job does not have yet; the item is how many were new. */
    public Uni<Integer> insertNew(SqlConnection conn, UUID deploymentId, List<MetricPoint> points) {
        int size = points.size();
        Integer[] steps = new Integer[size];
        Double[] epochs = new Double[size];
        Double[] losses = new Double[size];
        Double[] learningRates = new Double[size];
        Double[] gradNorms = new Double[size];
        Double[] tokensPerSecond = new Double[size];
        String[] extras = new String[size];
        OffsetDateTime[] times = new OffsetDateTime[size];
        for (int i = 0; i < size; i++) {
            MetricPoint p = points.get(i);
            steps[i] = p.step();
            epochs[i] = p.epoch();
            losses[i] = p.loss();
            learningRates[i] = p.learningRate();
            gradNorms[i] = p.gradNorm();
            tokensPerSecond[i] = p.tokensPerSecond();
            extras[i] = p.extra() == null || p.extra().isEmpty() ? null : new JsonObject(p.extra()).encode();
            times[i] = p.time() == null ? null : p.time().atOffset(ZoneOffset.UTC);
        }
        return conn.preparedQuery(INSERT)
                .execute(Tuple.from(new Object[] {deploymentId, steps, epochs, losses, learningRates, gradNorms,
                        tokensPerSecond, extras, times}))
                .map(RowSet::rowCount);
    }

    /** The job's latest points, highest step first. */
    public Uni<List<MetricPoint>> latest(UUID deploymentId, int count) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM metric_points WHERE deployment_id = $1"
                        + " ORDER BY step DESC LIMIT $2::int")
                .execute(Tuple.of(deploymentId, count))
                .map(MetricPointRepository::points);
    }

    /** The job's points after step {@code afterStep}, in step order, at most {@code maxPoints} of them. */
    public Uni<MetricSeries> series(UUID deploymentId, int afterStep, int maxPoints) {
        return pool.preparedQuery(SERIES)
                .execute(Tuple.of(deploymentId, afterStep, maxPoints))
                .map(rows -> {
                    List<MetricPoint> points = points(rows);
                    long total = rows.size() == 0 ? 0 : rows.iterator().next().getLong("n");
                    return new MetricSeries(points, total > points.size());
                });
    }

    private static List<MetricPoint> points(RowSet<Row> rows) {
        List<MetricPoint> points = new ArrayList<>(rows.size());
        for (Row row : rows) {
            JsonObject extra = row.getJsonObject("extra");
            points.add(new MetricPoint(row.getInteger("step"), row.getDouble("epoch"), row.getDouble("loss"),
                    row.getDouble("learning_rate"), row.getDouble("grad_norm"), row.getDouble("tokens_per_second"),
                    row.getOffsetDateTime("time").toInstant(), extra == null ? Map.of() : extra.getMap()));
        }
        return points;
    }
}
