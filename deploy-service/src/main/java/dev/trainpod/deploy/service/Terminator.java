package dev.trainpod.deploy.service;

import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.vault.SecretVault;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Terminates a deployment's pod at RunPod and, once RunPod confirms it is gone, records the billed time and
 * cost and announces {@code DeploymentEnded}. Safe to call any number of times, from any replica.
 */
@ApplicationScoped
public class Terminator {

    private static final Logger LOG = Logger.getLogger(Terminator.class);

    private final RunPodClient runPod;
    private final SecretVault vault;
    private final Outbox outbox;

    public Terminator(RunPodClient runPod, SecretVault vault, Outbox outbox) {
        this.runPod = runPod;
        this.vault = vault;
        this.outbox = outbox;
    }

    private record Target(String podId, String apiKey) {
    }

    /** Terminates the pod if the deployment has one still running. */
    public Uni<Void> terminate(UUID deploymentId) {
        return Panache.withSession(() -> Deployment.<Deployment>findById(deploymentId).chain(d -> {
                    if (d == null || d.podId == null || d.podTerminatedAt != null) {
                        return Uni.createFrom().<Target>nullItem();
                    }
                    String podId = d.podId;
                    return vault.open(d.userId).map(key -> key.map(k -> new Target(podId, k)).orElse(null));
                }))
                .chain(target -> target == null
                        ? Uni.createFrom().voidItem()
                        : runPod.terminatePod(target.apiKey(), target.podId())
                                .chain(() -> recordTerminated(deploymentId))
                                .onFailure().invoke(e -> LOG.warnf("terminating pod %s of deployment %s failed: %s",
                                        target.podId(), deploymentId, e.getMessage())));
    }

    private Uni<Void> recordTerminated(UUID deploymentId) {
        return Panache.withTransaction(() -> Deployment.<Deployment>findById(deploymentId,
                LockModeType.PESSIMISTIC_WRITE).chain(d -> {
            if (d.podTerminatedAt != null) {
                return Uni.createFrom().voidItem();
            }
            Instant now = Instant.now();
            d.podTerminatedAt = now;
            long seconds = Math.max(0, Duration.between(d.podCreatedAt, now).toSeconds());
            d.billedSeconds = seconds;
            d.costUsd = d.costPerHour == null ? BigDecimal.ZERO : d.costPerHour
                    .multiply(BigDecimal.valueOf(seconds)).divide(BigDecimal.valueOf(3600), 6, RoundingMode.HALF_UP);
            LOG.infof("deployment %s: pod %s terminated after %d s, %s USD", d.id, d.podId, seconds, d.costUsd);
            if (!d.status.terminal()) {
                return Uni.createFrom().voidItem();
            }
            return outbox.publish(new DeploymentEnded(d.id, d.status.name(), d.reason, seconds, d.costUsd));
        }));
    }
}
