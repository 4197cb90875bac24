package dev.trainpod.common.inbox;

import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.EventEnvelope;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Runs a service's handler for a consumed lifecycle record exactly once: the inbox mark and the handler's
 * changes commit in one transaction, and a failed attempt is retried with backoff (the partition waits, so
 * one deployment's events keep their order).
 */
@ApplicationScoped
public class InboxProcessor {

    private static final Logger LOG = Logger.getLogger(InboxProcessor.class);

    private final Inbox inbox;

    public InboxProcessor(Inbox inbox) {
        this.inbox = inbox;
    }

    /** Decodes the record and, on its first delivery, applies the handler in the same transaction. */
    public Uni<Void> process(ConsumerRecord<String, String> record, Function<EventEnvelope, Uni<Void>> handler) {
        EventEnvelope envelope;
        try {
            envelope = EventCodec.fromRecord(record);
        } catch (EventCodec.UnknownEventTypeException e) {
            LOG.debugf("skipping %s at offset %d", e.getMessage(), record.offset());
            return Uni.createFrom().voidItem();
        } catch (RuntimeException e) {
            LOG.errorf("skipping malformed record at %s-%d offset %d: %s",
                    record.topic(), record.partition(), record.offset(), e.getMessage());
            return Uni.createFrom().voidItem();
        }
        return Panache.withTransaction(() -> inbox.claim(envelope.id())
                        .chain(first -> first ? handler.apply(envelope) : Uni.createFrom().voidItem()))
                .onFailure().invoke(e -> LOG.warnf("handling %s %s failed, will retry: %s",
                        envelope.event().type(), envelope.id(), e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10))
                .expireIn(Duration.ofMinutes(10).toMillis());
    }
}
