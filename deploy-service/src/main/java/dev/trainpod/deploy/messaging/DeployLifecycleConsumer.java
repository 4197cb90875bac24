package dev.trainpod.deploy.messaging;

import dev.trainpod.common.inbox.InboxProcessor;
import dev.trainpod.deploy.service.DeployLifecycleService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reads the deployment-lifecycle topic and applies each event once, through the inbox, with
 * {@link DeployLifecycleService}; the pod's termination starts after the commit, on the decoded event.
 */
@ApplicationScoped
public class DeployLifecycleConsumer {

    private final InboxProcessor inbox;
    private final DeployLifecycleService lifecycle;

    public DeployLifecycleConsumer(InboxProcessor inbox, DeployLifecycleService lifecycle) {
        this.inbox = inbox;
        this.lifecycle = lifecycle;
    }

    @Incoming("lifecycle")
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        return inbox.process(record, lifecycle::apply, lifecycle::afterCommit);
    }
}
