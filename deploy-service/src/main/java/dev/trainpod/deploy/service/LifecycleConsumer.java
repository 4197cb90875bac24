package dev.trainpod.deploy.service;

import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.EventEnvelope;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.inbox.InboxProcessor;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Ends deployments when their training fails or succeeds, and starts terminating the pod the moment the new
 * status is committed, without holding the record for RunPod.
 */
@ApplicationScoped
public class LifecycleConsumer {

    private static final Logger LOG = Logger.getLogger(LifecycleConsumer.class);

    private final InboxProcessor inbox;
    private final Transitions transitions;
    private final Terminator terminator;

    public LifecycleConsumer(InboxProcessor inbox, Transitions transitions, Terminator terminator) {
        this.inbox = inbox;
        this.transitions = transitions;
        this.terminator = terminator;
    }

    /**
     * Applies the event; once its transaction has committed, starts terminating the pod of a training that ended
     * without making the record wait for RunPod (a hanging provider must not hold the partition).
     */
    @Incoming("lifecycle")
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        return inbox.process(record, this::apply)
                .invoke(() -> {
                    if (endsTraining(record)) {
                        terminate(record.key());
                    }
                });
    }

    private Uni<Void> apply(EventEnvelope envelope) {
        LifecycleEvent event = envelope.event();
        if (event instanceof TrainingFailed f) {
            return end(f.deploymentId(), DeploymentStatus.FAILED, f.reason(), f.message(), f.exitCode(), f.logTail());
        }
        if (event instanceof TrainingSucceeded s) {
            return end(s.deploymentId(), DeploymentStatus.SUCCEEDED, null, s.message(), null, null);
        }
        return Uni.createFrom().voidItem();
    }

    private Uni<Void> end(UUID id, DeploymentStatus status, String reason, String message, Integer exitCode,
                          String logTail) {
        return Deployment.<Deployment>findById(id).chain(d -> {
            if (d == null || d.status.terminal()) {
                return Uni.createFrom().voidItem();
            }
            d.exitCode = exitCode;
            d.logTail = logTail;
            return transitions.move(d, status, reason, message);
        });
    }

    private static boolean endsTraining(ConsumerRecord<String, String> record) {
        var type = record.headers().lastHeader(EventCodec.CE_TYPE);
        if (type == null) {
            return false;
        }
        String t = new String(type.value(), java.nio.charset.StandardCharsets.UTF_8);
        return "TrainingFailed".equals(t) || "TrainingSucceeded".equals(t);
    }

    /**
     * Fires the termination on a Vert.x context of its own and only logs a failure: {@link TerminationJob} retries
     * every ended deployment whose pod is not confirmed terminated.
     */
    private void terminate(String key) {
        UUID id;
        try {
            id = UUID.fromString(key);
        } catch (IllegalArgumentException | NullPointerException e) {
            return;
        }
        Runnable start = () -> Uni.createFrom().deferred(() -> terminator.terminate(id)).subscribe().with(
                ignored -> { },
                e -> LOG.warnf("terminating the pod of deployment %s failed, the termination job retries it: %s",
                        id, e.getMessage()));
        Context context = VertxContext.createNewDuplicatedContext();
        if (context == null) {
            start.run();
        } else {
            // Hibernate Reactive (the vault read) runs only on a context marked safe, as Quarkus marks a request's.
            VertxContextSafetyToggle.setContextSafe(context, true);
            context.runOnContext(v -> start.run());
        }
    }
}
