package dev.trainpod.common.inbox;

import dev.trainpod.common.event.EventEnvelope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The dead-letter table: where a lifecycle event goes when it still fails after the consumer's retry budget,
 * counted in {@code trainpod_consumer_dead_letters_total} (by event type) so that an operator is alerted.
 */
@ApplicationScoped
public class DeadLetters {

    /** Prometheus name {@code trainpod_consumer_dead_letters_total}. */
    public static final String METRIC = "trainpod.consumer.dead.letters";
    public static final String RETRIES = "trainpod.consumer.retries";

    private static final int MAX_ERROR_CHARS = 2000;
    private static final String INSERT = """
            INSERT INTO dead_letter_event (event_id, event_type, record_key, topic, kafka_partition, kafka_offset,
                                           payload, error, first_failed_at, last_failed_at, attempts)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (event_id) DO UPDATE SET error = EXCLUDED.error, last_failed_at = EXCLUDED.last_failed_at,
                attempts = dead_letter_event.attempts + EXCLUDED.attempts""";

    private final Pool pool;
    private final MeterRegistry registry;

    public DeadLetters(Pool pool, MeterRegistry registry) {
        this.pool = pool;
        this.registry = registry;
    }

    /** What a consumer knows about an event's failed attempts. */
    public record Failure(Throwable lastError, Instant firstFailedAt, Instant lastFailedAt, int attempts) {
    }

    /** Records the event (once per event id; a second time adds its attempts) and counts it. */
    public Uni<Void> record(ConsumerRecord<String, String> record, EventEnvelope envelope, Failure failure) {
        String type = envelope.event().type();
        Tuple row = Tuple.tuple()
                .addUUID(envelope.id())
                .addString(type)
                .addString(record.key())
                .addString(record.topic())
                .addInteger(record.partition())
                .addLong(record.offset())
                .addString(record.value())
                .addString(describe(failure.lastError()))
                .addOffsetDateTime(OffsetDateTime.ofInstant(failure.firstFailedAt(), ZoneOffset.UTC))
                .addOffsetDateTime(OffsetDateTime.ofInstant(failure.lastFailedAt(), ZoneOffset.UTC))
                .addInteger(failure.attempts());
        return pool.preparedQuery(INSERT).execute(row)
                .invoke(() -> Counter.builder(METRIC)
                        .description("Lifecycle events that failed after the retry budget and were set aside")
                        .tag("event_type", type)
                        .register(registry)
                        .increment())
                .replaceWithVoid();
    }

    /**
     * Counts a failed attempt at handling an event of this type ({@value #RETRIES}): each is retried until the
     * retry budget is spent, then the event is dead-lettered.
     */
    public void attemptFailed(String eventType) {
        Counter.builder(RETRIES)
                .description("Attempts at handling a lifecycle event that failed and were retried (or, past the "
                        + "budget, ended in the dead-letter table)")
                .tag("event_type", eventType)
                .register(registry)
                .increment();
    }

    private static String describe(Throwable e) {
        String text = e == null ? "unknown" : e.getClass().getName() + ": " + e.getMessage();
        return text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS);
    }
}
