package dev.trainpod.common.outbox;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The outbox as Prometheus sees it: {@code trainpod_outbox_pending_rows} (rows committed but not yet published) and
 * {@code trainpod_outbox_oldest_pending_age_seconds} (how long the oldest of them has waited; 0 when none). Both
 * are read from the table every few seconds, not counted in memory, so every replica reports the same truth and
 * a relay that has stopped (broker down, a stuck replica) shows as a growing age.
 */
@ApplicationScoped
public class OutboxMetrics {

    private static final Logger LOG = Logger.getLogger(OutboxMetrics.class);
    private static final String QUERY = "SELECT count(*) AS pending,"
            + " COALESCE(EXTRACT(EPOCH FROM (now() - min(created_at))), 0) AS oldest"
            + " FROM outbox_event WHERE sent_at IS NULL";
    private static final long REFRESH_MS = 5_000;

    private final Pool pool;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile double pending;
    private volatile double oldestSeconds;

    public OutboxMetrics(Pool pool, MeterRegistry registry) {
        this.pool = pool;
        Gauge.builder("trainpod.outbox.pending.rows", this, m -> m.pending)
                .description("Outbox rows committed but not yet published to Kafka").register(registry);
        Gauge.builder("trainpod.outbox.oldest.pending.age", this, m -> m.oldestSeconds).baseUnit("seconds")
                .description("Age of the oldest unpublished outbox row (0 when none)").register(registry);
    }

    void start(@Observes StartupEvent startup, Vertx vertx) {
        refresh();
        vertx.setPeriodic(REFRESH_MS, id -> refresh());
    }

    private void refresh() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        pool.query(QUERY).execute().onTermination().invoke(() -> running.set(false)).subscribe().with(rows -> {
            for (Row row : rows) {
                pending = row.getLong("pending");
                oldestSeconds = row.getNumeric("oldest").doubleValue();
            }
        }, e -> LOG.debugf("outbox metrics not refreshed: %s", e.getMessage()));
    }
}
