package dev.trainpod.common.it;

import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.inbox.InboxProcessor;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * A consumer whose only effect is one row per processed event, so a test can count effects; a poison event
 * fails it every time.
 */
@ApplicationScoped
public class EffectConsumer {

    /** A {@code TrainingSucceeded} with this message fails its handler on every attempt. */
    public static final String POISON = "poison";

    private final InboxProcessor inbox;

    public EffectConsumer(InboxProcessor inbox) {
        this.inbox = inbox;
    }

    @Incoming("lifecycle")
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        return inbox.process(record, envelope -> envelope.event() instanceof TrainingSucceeded succeeded
                && POISON.equals(succeeded.message())
                ? Uni.createFrom().failure(new IllegalStateException("poison event: the handler always fails"))
                : Panache.getSession().chain(s -> s.createNativeQuery(
                                "INSERT INTO test_effect (deployment_id, event_type) VALUES (:d, :t)")
                        .setParameter("d", envelope.event().deploymentId())
                        .setParameter("t", envelope.event().type())
                        .executeUpdate())
                .replaceWithVoid());
    }
}
