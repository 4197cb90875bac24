package dev.trainpod.dataset.repository;

import dev.trainpod.dataset.Upload;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Resumable uploads, always looked up together with their owner. */
@ApplicationScoped
public class UploadRepository implements PanacheRepositoryBase<Upload, UUID> {

    public Uni<Upload> findOwned(UUID id, String userId) {
        return find("id = ?1 and userId = ?2", id, userId).firstResult();
    }

    /** Moves the upload from {@code from} to {@code to} bytes, unless another request moved it first. */
    public Uni<Integer> advance(UUID id, long from, long to, Instant now) {
        return update("offset = ?1, updatedAt = ?2 where id = ?3 and offset = ?4 and datasetId is null",
                to, now, id, from);
    }

    /** Uploads not touched since the cutoff, complete or not. */
    /** Records the dataset the complete upload became. */
    public Uni<Integer> completed(UUID id, UUID datasetId, Instant now) {
        return update("datasetId = ?1, updatedAt = ?2 where id = ?3", datasetId, now, id);
    }

    /** Deletes the upload's row (one statement); answers how many rows went. */
    public Uni<Long> deleteRow(UUID id) {
        return delete("id", id);
    }

    /** Deletes the rows of these uploads (one statement); answers how many rows went. */
    public Uni<Long> deleteRows(List<UUID> ids) {
        return delete("id in ?1", ids);
    }

    public Uni<List<Upload>> listStale(Instant cutoff) {
        return list("updatedAt < ?1", cutoff);
    }
}
