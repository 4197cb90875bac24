package dev.trainpod.deploy.service;

import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.repository.SecretRepository;
import dev.trainpod.deploy.vault.Credential;
import dev.trainpod.deploy.vault.DeploymentCredential;
import dev.trainpod.deploy.vault.SecretVault;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The RunPod credential each pod is acted on with: the one that created it, even after the user replaced or deleted
 * the key (a pod of another account answers 404, so the current key must never stand in for it). Provisioning binds
 * the user's current credential before the create call; the reaper, terminator and reconciler open
 * the bound one; a retired credential is purged once none of its deployments is live or holds a pod.
 */
@ApplicationScoped
public class PodCredentials {

    private static final Logger LOG = Logger.getLogger(PodCredentials.class);

    private final SecretVault vault;
    private final SecretRepository secrets;
    private final DeployConfig config;

    public PodCredentials(SecretVault vault, SecretRepository secrets, DeployConfig config) {
        this.vault = vault;
        this.secrets = secrets;
        this.config = config;
    }

    /** The RunPod key the deployment's pod is acted on with; call inside a session. */
    public Uni<Optional<String>> forDeployment(Deployment d) {
        return forDeployment(d.id, d.userId);
    }

    /**
     * The RunPod key the deployment's pod is acted on with: its bound credential, or the user's current one when
     * none was bound (the deployment never reached a create call); empty when neither exists. Call inside a session.
     */
    public Uni<Optional<String>> forDeployment(UUID deploymentId, String userId) {
        return secrets.binding(deploymentId)
                .chain(bound -> bound == null ? vault.current(userId) : vault.credential(bound.credentialId))
                .map(c -> c.map(Credential::apiKey));
    }

    /**
     * Binds the user's current credential to the deployment, in its own transaction, and answers its key: called
     * before the create call, so that a pod never exists without its credential. Empty when the user has no key.
     */
    public Uni<Optional<String>> bindCurrent(UUID deploymentId, String userId) {
        return Panache.withTransaction(() -> vault.current(userId).chain(current -> current.isEmpty()
                ? Uni.createFrom().item(Optional.<String>empty())
                : secrets.binding(deploymentId).chain(bound -> {
                    DeploymentCredential row = bound == null ? new DeploymentCredential() : bound;
                    row.deploymentId = deploymentId;
                    row.credentialId = current.get().id();
                    return secrets.save(row);
                }).replaceWith(Optional.of(current.get().apiKey()))));
    }

    /** Every stored credential, current and retired: the accounts the reconciler lists. Call inside a session. */
    public Uni<List<Credential>> all() {
        return vault.credentials();
    }

    /** The credential bound to each of the deployments that has one. Call inside a session. */
    public Uni<Map<UUID, UUID>> bindings(Collection<UUID> deploymentIds) {
        if (deploymentIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return secrets.bindings(List.copyOf(deploymentIds))
                .map(rows -> rows.stream().collect(Collectors.toMap(r -> r.deploymentId, r -> r.credentialId)));
    }

    @Scheduled(every = "${trainpod.deploy.credential-purge-interval:5m}",
            delayed = "${trainpod.deploy.credential-purge-interval:5m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purgeRetired() {
        return purge(config.retiredCredentialGrace()).replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("purging retired RunPod credentials failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** Deletes the retired credentials retired longer than {@code grace} ago that no deployment needs; answers how many. */
    Uni<Integer> purge(Duration grace) {
        return secrets.purgeRetired(grace).invoke(purged -> {
            if (purged > 0) {
                LOG.infof("purged %d retired RunPod credentials that no pod needs any more", purged);
            }
        });
    }
}
