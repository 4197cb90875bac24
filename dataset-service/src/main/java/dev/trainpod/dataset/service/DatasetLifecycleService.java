package dev.trainpod.dataset.service;

import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.EventEnvelope;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.event.TrainingSucceeded;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What dataset-service does with each lifecycle event (called by {@code messaging.DatasetLifecycleConsumer} through
 * the inbox): opens a deployment's grant when it is requested and revokes its download tokens as soon as it fails,
 * succeeds or ends (a lost heartbeat excepted: the deployment may be recovered on a new pod, and its end follows as
 * {@code DeploymentEnded} if not).
 */
@ApplicationScoped
public class DatasetLifecycleService {

    private final DownloadTokenService tokens;

    public DatasetLifecycleService(DownloadTokenService tokens) {
        this.tokens = tokens;
    }

    /** Applies one event in the inbox's transaction; events that concern no grant change nothing. */
    public Uni<Void> apply(EventEnvelope envelope) {
        LifecycleEvent event = envelope.event();
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
