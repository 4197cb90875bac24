package dev.trainpod.dataset.repository;

import dev.trainpod.dataset.DeploymentGrant;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.UUID;

/**
 * Deployment grants. Both writers upsert the row, which locks it until their transaction ends: a token minted
 * concurrently with the deployment's end is either refused or seen (and revoked) by the end's transaction.
 */
@ApplicationScoped
public class DeploymentGrantRepository implements PanacheRepositoryBase<DeploymentGrant, UUID> {

    /** Records (or completes) the deployment's user and dataset and locks the row; then reads it. */
    public Uni<DeploymentGrant> upsertGrant(UUID deploymentId, String userId, UUID datasetId, Instant now) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                                "INSERT INTO deployment_grants (deployment_id, user_id, dataset_id, created_at)"
                                        + " VALUES (:deployment, :user, :dataset, :now)"
                                        + " ON CONFLICT (deployment_id) DO UPDATE SET"
                                        + " user_id = COALESCE(deployment_grants.user_id, EXCLUDED.user_id),"
                                        + " dataset_id = COALESCE(deployment_grants.dataset_id, EXCLUDED.dataset_id)")
                        .setParameter("deployment", deploymentId)
                        .setParameter("user", userId)
                        .setParameter("dataset", datasetId)
                        .setParameter("now", now)
                        .executeUpdate()
                        .chain(() -> s.find(DeploymentGrant.class, deploymentId)));
    }

    /**
     * The grant as it is; or, when the deployment is not known here yet (or only its end was seen) and the pod's job
     * token names an owner ({@code trainpod_owner}), the grant opened with that owner; its dataset is filled in when
     * the request arrives. A pod's write that comes before its {@code DeploymentRequested} is taken on the token's
     * word, as metrics-service opens the job: one answer to the same race.
     */
    public Uni<DeploymentGrant> orOpenedBy(DeploymentGrant grant, UUID deploymentId, String tokenOwner) {
        if ((grant != null && grant.userId != null) || tokenOwner == null) {
            return Uni.createFrom().item(grant);
        }
        return upsertGrant(deploymentId, tokenOwner, null, Instant.now());
    }

    /** Marks the deployment ended (creating its row if its start was never seen) and locks the row. */
    public Uni<Void> markEnded(UUID deploymentId, Instant now) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                                "INSERT INTO deployment_grants (deployment_id, created_at, ended_at)"
                                        + " VALUES (:deployment, :now, :now)"
                                        + " ON CONFLICT (deployment_id) DO UPDATE SET"
                                        + " ended_at = COALESCE(deployment_grants.ended_at, EXCLUDED.ended_at)")
                        .setParameter("deployment", deploymentId)
                        .setParameter("now", now)
                        .executeUpdate())
                .replaceWithVoid();
    }

    /** Deletes the grants of deployments that ended before the cutoff; the item is how many. */
    public Uni<Long> deleteEndedBefore(Instant cutoff) {
        return delete("endedAt < ?1", cutoff);
    }

    /** The deployment's grant, locked until the transaction ends; null if it is not known. */
    public Uni<DeploymentGrant> findForUpdate(UUID deploymentId) {
        return findById(deploymentId, LockModeType.PESSIMISTIC_WRITE);
    }

    /** How many deployments that have not ended were granted the dataset. */
    public Uni<Long> countActive(UUID datasetId) {
        return count("datasetId = ?1 and endedAt is null", datasetId);
    }
}
