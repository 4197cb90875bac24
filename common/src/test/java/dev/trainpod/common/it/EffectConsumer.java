package dev.trainpod.common.it;

import dev.trainpod.common.inbox.InboxProcessor;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** A consumer whose only effect is one row per processed event, so a test can count effects. */
@ApplicationScoped
public class EffectConsumer {

    private final InboxProcessor inbox;

    public EffectConsumer(InboxProcessor inbox) {
        this.inbox = inbox;
    }

    @Incoming("lifecycle")
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        return inbox.process(record, envelope -> Panache.getSession().chain(s -> s.createNativeQuery(
                                "INSERT INTO test_effect (deployment_id, event_type) VALUES (:d, :t)")
                        .setParameter("d", envelope.event().deploymentId())
                        .setParameter("t", envelope.event().type())
                        .executeUpdate())
                .replaceWithVoid());
    }
}
