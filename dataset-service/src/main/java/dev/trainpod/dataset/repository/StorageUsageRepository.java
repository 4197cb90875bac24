package dev.trainpod.dataset.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * What a user's datasets and a deployment's artifacts take, for the storage quotas, and the locks that make a
 * check and the insert after it one step: concurrent uploads of one owner wait for each other until commit.
 */
@ApplicationScoped
public class StorageUsageRepository {

    /** Datasets and their bytes (in use). */
    public record Usage(long count, long bytes) {
    }

    /** Holds the user's dataset-quota lock until the transaction ends. */
    public Uni<Void> lockUserDatasets(String userId) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "SELECT 1 FROM pg_advisory_xact_lock(hashtext(:key))")
                .setParameter("key", "datasets:" + userId)
                .getSingleResult()).replaceWithVoid();
    }

    /** The user's datasets; read after {@link #lockUserDatasets} (a later statement sees every commit before it). */
    public Uni<Usage> datasets(String userId) {
        return usage("SELECT count(*), COALESCE(sum(bytes), 0)::bigint FROM datasets WHERE user_id = :owner",
                "owner", userId, null);
    }

    /** Locks the deployment's grant row until the transaction ends (artifact uploads of one deployment queue). */
    public Uni<Void> lockDeployment(UUID deploymentId) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "SELECT 1 FROM deployment_grants WHERE deployment_id = :deployment FOR UPDATE")
                .setParameter("deployment", deploymentId)
                .getResultList()).replaceWithVoid();
    }

    /**
     * The deployment's artifacts other than {@code exceptName}, complete or under way; one under way counts the
     * larger of what arrived and what its {@code Content-Range} announced.
     */
    public Uni<Usage> artifacts(UUID deploymentId, String exceptName) {
        return usage("SELECT count(*), COALESCE(sum(GREATEST(bytes, COALESCE(total_bytes, 0))), 0)::bigint"
                + " FROM artifacts WHERE deployment_id = :owner AND name <> :name", "owner", deploymentId, exceptName);
    }

    private static Uni<Usage> usage(String sql, String ownerParam, Object owner, String name) {
        return Panache.getSession().chain(s -> {
            var query = s.createNativeQuery(sql).setParameter(ownerParam, owner);
            if (name != null) {
                query.setParameter("name", name);
            }
            return query.getSingleResult();
        }).map(row -> {
            Object[] columns = (Object[]) row;
            return new Usage(((Number) columns[0]).longValue(), ((Number) columns[1]).longValue());
        });
    }
}
