package dev.trainpod.dataset.repository;

import dev.trainpod.dataset.Artifact;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Artifacts, found by deployment and name (the pod's view) or by owner (the user's view). */
@ApplicationScoped
public class ArtifactRepository implements PanacheRepositoryBase<Artifact, UUID> {

    public Uni<Artifact> findByName(UUID deploymentId, String name) {
        return find("deploymentId = ?1 and name = ?2", deploymentId, name).firstResult();
    }

    /** The complete artifact if it exists and belongs to the user; null otherwise. */
    public Uni<Artifact> findOwnedComplete(UUID id, String userId) {
        return find("id = ?1 and userId = ?2 and complete = true", id, userId).firstResult();
    }

    /** The user's complete artifacts, of one deployment when one is given, oldest first. */
    public Uni<List<Artifact>> listOwned(String userId, UUID deploymentId) {
        return deploymentId == null
                ? list("userId = ?1 and complete = true order by createdAt, name", userId)
                : list("userId = ?1 and deploymentId = ?2 and complete = true order by createdAt, name", userId,
                        deploymentId);
    }

    /** The deployment's complete artifacts, oldest first (the pod's view). */
    public Uni<List<Artifact>> listComplete(UUID deploymentId) {
        return list("deploymentId = ?1 and complete = true order by createdAt, name", deploymentId);
    }

    /** Moves an upload from {@code from} to {@code to} bytes, unless another request moved it first. */
    public Uni<Integer> advance(UUID id, long from, long to, Long totalBytes, Instant now) {
        if (totalBytes == null) {
            return update("bytes = ?1, updatedAt = ?2 where id = ?3 and bytes = ?4 and complete = false",
                    to, now, id, from);
        }
        return update("bytes = ?1, totalBytes = ?2, updatedAt = ?3"
                + " where id = ?4 and bytes = ?5 and complete = false", to, totalBytes, now, id, from);
    }

    /** Incomplete uploads not touched since the cutoff. */
    /** The deployment's complete artifacts of these names. */
    public Uni<List<Artifact>> listCompleteNamed(UUID deploymentId, List<String> names) {
        return list("deploymentId = ?1 and name in ?2 and complete = true", deploymentId, names);
    }

    /** Deletes the artifact's row (one statement); answers how many rows went. */
    public Uni<Long> deleteRow(UUID id) {
        return delete("id", id);
    }

    /** Deletes the rows of these artifacts (one statement); answers how many rows went. */
    public Uni<Long> deleteRows(List<UUID> ids) {
        return delete("id in ?1", ids);
    }

    public Uni<List<Artifact>> listStale(Instant cutoff) {
        return list("complete = false and updatedAt < ?1", cutoff);
    }
}
