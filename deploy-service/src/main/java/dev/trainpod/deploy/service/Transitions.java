package dev.trainpod.deploy.service;

import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.DeploymentTransition;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * The one place a deployment changes status: it records the transition the user can read and, when the
 * deployment ends with no pod to wait for, announces {@code DeploymentEnded}. Call inside a transaction.
 */
@ApplicationScoped
public class Transitions {

    private final Outbox outbox;

    public Transitions(Outbox outbox) {
        this.outbox = outbox;
    }

    public Uni<Void> move(Deployment d, DeploymentStatus to, String reason, String message) {
        Instant now = Instant.now();
        d.status = to;
        d.updatedAt = now;
        if (reason != null) {
            d.reason = reason;
        }
        if (message != null) {
            d.message = message;
        }
        DeploymentTransition t = new DeploymentTransition();
        t.deploymentId = d.id;
        t.status = to;
        t.reason = reason;
        t.message = message;
        t.at = now;
        Uni<Void> recorded = t.persist().replaceWithVoid();
        if (!to.terminal()) {
            return recorded;
        }
        d.endedAt = now;
        if (d.podId != null) {
            return recorded; // DeploymentEnded follows once the pod is confirmed terminated
        }
        d.billedSeconds = 0L;
        d.costUsd = BigDecimal.ZERO;
        return recorded.chain(() -> outbox.publish(
                new DeploymentEnded(d.id, to.name(), d.reason, 0, BigDecimal.ZERO)));
    }
}
