package dev.trainpod.dataset.repository;

import dev.trainpod.dataset.DownloadToken;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/** Download tokens, found by the hash of the secret the pod presents. */
@ApplicationScoped
public class DownloadTokenRepository implements PanacheRepositoryBase<DownloadToken, UUID> {

    /** Revokes every live token of the deployment; the item is how many. */
    public Uni<Integer> revokeDeployment(UUID deploymentId, Instant now) {
        return update("revokedAt = ?1 where deploymentId = ?2 and revokedAt is null", now, deploymentId);
    }

    /** Deletes the tokens that expired before the cutoff; the item is how many. */
    public Uni<Long> deleteExpiredBefore(Instant cutoff) {
        return delete("expiresAt < ?1", cutoff);
    }
}
