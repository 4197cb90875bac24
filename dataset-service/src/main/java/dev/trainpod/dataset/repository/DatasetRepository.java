package dev.trainpod.dataset.repository;

import dev.trainpod.dataset.Dataset;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.UUID;

/** Datasets, always looked up together with their owner so that another user's dataset is simply absent. */
@ApplicationScoped
public class DatasetRepository implements PanacheRepositoryBase<Dataset, UUID> {

    /** The dataset if it exists and belongs to the user; null otherwise. */
    public Uni<Dataset> findOwned(UUID id, String userId) {
        return find("id = ?1 and userId = ?2", id, userId).firstResult();
    }

    /**
     * Like {@link #findOwned}, locking the row until the transaction ends: minting (shared lock) and deleting
     * (exclusive lock) then see each other's grant and deletion.
     */
    public Uni<Dataset> findOwned(UUID id, String userId, LockModeType lock) {
        return find("id = ?1 and userId = ?2", id, userId).withLock(lock).firstResult();
    }

    /** The user's datasets, newest first. */
    public Uni<List<Dataset>> listOwned(String userId) {
        return list("userId = ?1 order by createdAt desc", userId);
    }
}
