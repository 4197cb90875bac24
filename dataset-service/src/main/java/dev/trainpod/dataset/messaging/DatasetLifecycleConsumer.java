package dev.trainpod.dataset.messaging;

import dev.trainpod.common.inbox.InboxProcessor;
import dev.trainpod.dataset.service.DatasetLifecycleService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reads the deployment-lifecycle topic and applies each event once, through the inbox, with
 * {@link DatasetLifecycleService}.
 */
@ApplicationScoped
public class DatasetLifecycleConsumer {

    private final InboxProcessor inbox;
    private final DatasetLifecycleService lifecycle;

    public DatasetLifecycleConsumer(InboxProcessor inbox, DatasetLifecycleService lifecycle) {
        this.inbox = inbox;
        this.lifecycle = lifecycle;
    }

    @Incoming("lifecycle")
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        return inbox.process(record, lifecycle::apply);
    }
}
