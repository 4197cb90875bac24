package dev.trainpod.common.outbox;

import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.job.BenchHold;
import dev.trainpod.common.tracing.TraceHeaders;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * Publishes committed outbox rows to Kafka in commit order with an idempotent producer and marks them sent; each
 * row goes to its type's topic ({@link EventCodec#topicOf}), keyed by its aggregate.
 *
 * <p>One replica relays at a time: a cycle's transaction takes a transaction-scoped advisory lock (tried, never
 * waited for) before it reads, so replicas woken by the same commit do not publish batches side by side, which
 * could put one deployment's events out of order; a replica that does not get it publishes nothing that cycle
 * (the holder is woken by the same notification and cycles again). Rows are also locked with
 * {@code FOR UPDATE SKIP LOCKED}. A row published but not marked (a crash in between) is published again;
 * consumers drop the repeat by its {@code ce_id}. While a benchmark holds the service's asynchronous work
 * ({@link BenchHold}, never in production) no cycle runs.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final String SELECT_PENDING = "SELECT id, aggregate_id, type, source, payload, created_at, traceparent"
            + " FROM outbox_event WHERE (SELECT pg_try_advisory_xact_lock(hashtext('trainpod'), hashtext('outbox_relay')))"
            + " AND sent_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED";

    private final Pool pool;
    private final OutboxProducerFactory producers;
    private final OutboxConfig config;
    private final Tracer tracer;
    private final BenchHold hold;
    private volatile KafkaProducer<String, String> producer;
    private volatile boolean brokerDownLogged;
    private final AtomicBoolean cycleRunning = new AtomicBoolean();
    private final AtomicBoolean wakeAgain = new AtomicBoolean();
    private Vertx vertx;
    private long timerId;

    public OutboxRelay(Pool pool, OutboxProducerFactory producers, OutboxConfig config, Tracer tracer,
                       BenchHold hold) {
        this.hold = hold;
        this.pool = pool;
        this.producers = producers;
        this.config = config;
        this.tracer = tracer;
    }

    /** The scheduler cannot run more often than once a second; events should leave within a fraction of it. */
    void startRelaying(@Observes StartupEvent startup, Vertx vertx) {
        timerId = vertx.setPeriodic(config.relayInterval().toMillis(), id -> cycle());
        this.vertx = vertx;
    }

    /**
     * Relays now: called by {@link OutboxListener} when any replica commits an outbox row (and by metrics-service
     * after committing a training outcome, which does not wait for the notification's round trip), so the event
     * leaves at once rather than at the next tick. If a cycle is running, another follows it. The timer stays as
     * the fallback.
     */
    public void wake() {
        wakeAgain.set(true);
        cycle();
    }

    private void cycle() {
        if (hold.held()) {
            return; // a benchmark holds the fan-out (BenchHold); the timer, or the release's wake, cycles after it
        }
        if (cycleRunning.compareAndSet(false, true)) {
            wakeAgain.set(false);
            relayOnce().invoke(n -> {
                if (n >= config.batchSize()) {
                    wakeAgain.set(true); // a full batch: more may be waiting
                }
            }).onTermination().invoke(() -> {
                cycleRunning.set(false);
                if (wakeAgain.get()) {
                    cycle();
                }
            }).subscribe().with(n -> { }, e -> LOG.warnf("outbox relay cycle failed: %s", e.getMessage()));
        }
    }

    /** Publishes one batch of pending rows; the item is how many were published and marked sent. */
    public Uni<Integer> relayOnce() {
        return pool.withTransaction(conn -> conn.preparedQuery(SELECT_PENDING)
                .execute(Tuple.of(config.batchSize()))
                .chain(rows -> rows.size() == 0
                        ? Uni.createFrom().item(0)
                        : publish(rows).chain(sent -> markSent(conn, sent))));
    }

    /** Deletes published rows older than the retention period. */
    @Scheduled(every = "10m", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purgeSent() {
        return pool.preparedQuery("DELETE FROM outbox_event WHERE sent_at < $1")
                .execute(Tuple.of(OffsetDateTime.now().minus(config.retention())))
                .replaceWithVoid()
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<List<UUID>> publish(RowSet<Row> rows) {
        List<Row> batch = new ArrayList<>();
        rows.forEach(batch::add);
        // KafkaProducer.send blocks while it has no metadata (broker down): keep it off the event loop.
        return Uni.createFrom().item(() -> sendAndAwait(batch))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private List<UUID> sendAndAwait(List<Row> batch) {
        KafkaProducer<String, String> p = producer();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        List<UUID> ids = new ArrayList<>();
        List<Span> spans = new ArrayList<>();
        try {
            for (Row row : batch) {
                UUID id = row.getUUID("id");
                String topic = EventCodec.topicOf(row.getString("type"));
                ProducerRecord<String, String> record = EventCodec.toRecord(topic, id,
                        row.getString("source"), row.getOffsetDateTime("created_at").toInstant(),
                        row.getString("type"), row.getString("aggregate_id"), row.getString("payload"));
                Span span = publishSpan(row, id);
                TraceHeaders.inject(span, record.headers());
                spans.add(span);
                acks.add(p.send(record));
                ids.add(id);
            }
        } catch (RuntimeException e) {
            brokerUnavailable(e);
        }
        List<UUID> sent = new ArrayList<>();
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get(config.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
                sent.add(ids.get(i));
            } catch (Exception e) {
                brokerUnavailable(e);
                break;
            }
        }
        for (int i = 0; i < spans.size(); i++) {
            if (i >= sent.size()) {
                spans.get(i).setStatus(StatusCode.ERROR, "not acknowledged by Kafka; stays in the outbox");
            }
            spans.get(i).end();
        }
        if (!sent.isEmpty() && brokerDownLogged) {
            brokerDownLogged = false;
            LOG.info("outbox relay: Kafka reachable again, publishing resumed");
        }
        return sent;
    }

    /** The producer side of Kafka, a child of the span of the transaction that wrote the row. */
    private Span publishSpan(Row row, UUID id) {
        String topic = EventCodec.topicOf(row.getString("type"));
        return tracer.spanBuilder(topic + " publish")
                .setSpanKind(SpanKind.PRODUCER)
                .setParent(TraceHeaders.parent(row.getString("traceparent")))
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation", "publish")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.message.id", id.toString())
                .setAttribute("cloudevents.event_type", row.getString("type"))
                .setAttribute(LifecycleEvent.TOPIC.equals(topic) ? "trainpod.deployment.id" : "trainpod.dataset.id",
                        row.getString("aggregate_id"))
                .startSpan();
    }

    private Uni<Integer> markSent(SqlConnection conn, List<UUID> sent) {
        if (sent.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return conn.preparedQuery("UPDATE outbox_event SET sent_at = now() WHERE id = ANY($1)")
                .execute(Tuple.of(sent.toArray(new UUID[0])))
                .map(RowSet::rowCount);
    }

    private KafkaProducer<String, String> producer() {
        KafkaProducer<String, String> p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = producers.create();
                }
                p = producer;
            }
        }
        return p;
    }

    /** A failed send may leave the producer in a state it cannot leave; start the next cycle with a new one. */
    private void brokerUnavailable(Exception e) {
        if (!brokerDownLogged) {
            brokerDownLogged = true;
            LOG.warnf("outbox relay: Kafka not reachable (%s); events stay in the outbox until it is", e.getMessage());
        }
        synchronized (this) {
            if (producer != null) {
                producer.close(Duration.ZERO);
                producer = null;
            }
        }
    }

    /** Stops relaying before the database pool closes; what is left waits in the outbox for the next start. */
    void stopRelaying(@Observes ShutdownEvent shutdown) {
        if (vertx != null) {
            vertx.cancelTimer(timerId);
        }
        synchronized (this) {
            if (producer != null) {
                producer.close(Duration.ofSeconds(2));
                producer = null;
            }
        }
    }
}
