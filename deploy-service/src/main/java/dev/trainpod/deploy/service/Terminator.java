package dev.trainpod.deploy.service;

import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.client.RunPodClient;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
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
 * cost and announces {@code DeploymentEnded}. Safe to call any number of times, from any replica: a claim on the
 * row makes sure one DELETE is sent at a time.
 */
@ApplicationScoped
public class Terminator {

    private static final Logger LOG = Logger.getLogger(Terminator.class);

    /**
     * Claims the termination of the deployment's pod: the one statement that several replicas may race on, and
     * that only one of them wins until the claim lapses (when its holder died mid-way).
     */
    private static final String CLAIM = """
            UPDATE deployment SET termination_claimed_at = now()
            WHERE id = $1 AND pod_id IS NOT NULL AND pod_terminated_at IS NULL
              AND (termination_claimed_at IS NULL OR termination_claimed_at < now() - make_interval(secs => $2))
            RETURNING pod_id, user_id""";
    private static final String RELEASE = "UPDATE deployment SET termination_claimed_at = NULL WHERE id = $1";
    private static final double CLAIM_SECONDS = 120;

    private final RunPodClient runPod;
    private final PodCredentials credentials;
    private final Outbox outbox;
    private final Pool pool;

    public Terminator(RunPodClient runPod, PodCredentials credentials, Outbox outbox, Pool pool) {
        this.runPod = runPod;
        this.credentials = credentials;
        this.outbox = outbox;
        this.pool = pool;
    }

    private record Target(String podId, String userId) {
    }

    /** Terminates the pod if the deployment has one still running and no other replica is terminating it. */
    public Uni<Void> terminate(UUID deploymentId) {
        return pool.preparedQuery(CLAIM).execute(Tuple.of(deploymentId, CLAIM_SECONDS))
                .map(rows -> rows.size() == 0 ? null
                        : new Target(rows.iterator().next().getString("pod_id"),
                                rows.iterator().next().getString("user_id")))
                .chain(target -> target == null ? Uni.createFrom().voidItem() : terminate(deploymentId, target));
    }

    private Uni<Void> terminate(UUID deploymentId, Target target) {
        return Panache.withSession(() -> credentials.forDeployment(deploymentId, target.userId()))
                .chain(key -> key.isEmpty()
                        ? Uni.createFrom().failure(new IllegalStateException("no RunPod key is stored"))
                        : runPod.terminatePod(key.get(), target.podId()))
                .chain(() -> recordTerminated(deploymentId))
                .onFailure().call(e -> {
                    LOG.warnf("terminating pod %s of deployment %s failed: %s", target.podId(), deploymentId,
                            e.getMessage());
                    return pool.preparedQuery(RELEASE).execute(Tuple.of(deploymentId)).replaceWithVoid()
                            .onFailure().recoverWithNull();
                });
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
