package dev.trainpod.dataset.messaging;

import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.inbox.InboxProcessor;
import dev.trainpod.dataset.service.DownloadTokenService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Follows deployments on the lifecycle topic: opens a deployment's grant when it is requested and revokes its
 * download tokens as soon as it fails, succeeds or ends (a lost heartbeat excepted: the deployment may be recovered
 * on a new pod, and its end follows as {@code DeploymentEnded} if not); each event takes effect once.
 */
@ApplicationScoped
public class LifecycleConsumer {

    private final InboxProcessor inbox;
    private final DownloadTokenService tokens;

    public LifecycleConsumer(InboxProcessor inbox, DownloadTokenService tokens) {
        this.inbox = inbox;
        this.tokens = tokens;
    }

    @Incoming("lifecycle")
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        return inbox.process(record, envelope -> apply(envelope.event()));
    }

    private Uni<Void> apply(LifecycleEvent event) {
        if (event instanceof DeploymentRequested requested) {
            return tokens.recordGrant(requested.deploymentId(), requested.userId(), requested.datasetId());
        }
        if (event instanceof TrainingFailed failed && FailureReason.FAILED_HEARTBEAT_LOST.name().equals(failed.reason())) {
            // a lost pod: deploy-service may replace it, and the new pod needs the grant; DeploymentEnded ends it
            return Uni.createFrom().voidItem();
        }
        if (event instanceof TrainingFailed || event instanceof TrainingSucceeded
                || event instanceof DeploymentEnded) {
            return tokens.endDeployment(event.deploymentId());
        }
        return Uni.createFrom().voidItem();
    }
}
