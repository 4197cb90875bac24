package dev.trainpod.metrics.messaging;

import dev.trainpod.common.inbox.InboxProcessor;
import dev.trainpod.metrics.service.JobLifecycleService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reads the deployment-lifecycle topic and applies each event once, through the inbox, with
 * {@link JobLifecycleService}.
 */
@ApplicationScoped
public class MetricsLifecycleConsumer {

    private final InboxProcessor inbox;
    private final JobLifecycleService lifecycle;

    public MetricsLifecycleConsumer(InboxProcessor inbox, JobLifecycleService lifecycle) {
        this.inbox = inbox;
        this.lifecycle = lifecycle;
    }

    @Incoming("lifecycle")
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        return inbox.process(record, lifecycle::apply);
    }
}
