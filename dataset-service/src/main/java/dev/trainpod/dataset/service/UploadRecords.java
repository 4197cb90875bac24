package dev.trainpod.dataset.service;

import dev.trainpod.dataset.Upload;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.repository.UploadRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/** The database side of resumable dataset uploads. */
@ApplicationScoped
public class UploadRecords {

    private final UploadRepository uploads;

    public UploadRecords(UploadRepository uploads) {
        this.uploads = uploads;
    }

    public Uni<Upload> create(String userId, String name, long length) {
        Instant now = now();
        Upload upload = new Upload();
        upload.id = UUID.randomUUID();
        upload.userId = userId;
        upload.name = name;
        upload.length = length;
        upload.createdAt = now;
        upload.updatedAt = now;
        return Panache.withTransaction(() -> uploads.persist(upload));
    }

    /** The user's upload; 404 if it is not there or not theirs. */
    public Uni<Upload> get(UUID id, String userId) {
        return Panache.withSession(() -> uploads.findOwned(id, userId))
                .onItem().ifNull().failWith(DatasetProblems::uploadNotFound);
    }

    /** Records that the upload moved from {@code from} to {@code to} bytes; false if another request moved it. */
    public Uni<Boolean> advance(UUID id, long from, long to) {
        return Panache.withTransaction(() -> uploads.advance(id, from, to, now())).map(updated -> updated == 1);
    }

    /** Records the dataset the complete upload became. */
    public Uni<Void> completed(UUID id, UUID datasetId) {
        return Panache.withTransaction(() -> uploads.completed(id, datasetId, now())).replaceWithVoid();
    }

    public Uni<Void> delete(UUID id) {
        return Panache.withTransaction(() -> uploads.deleteRow(id)).replaceWithVoid();
    }

    /** Forgets uploads not touched since the cutoff, complete or not; the items are the forgotten ones. */
    public Uni<List<Upload>> purgeStale(Instant cutoff) {
        return Panache.withTransaction(() -> uploads.listStale(cutoff)
                .call(stale -> stale.isEmpty() ? Uni.createFrom().voidItem()
                        : uploads.deleteRows(stale.stream().map(u -> u.id).toList())));
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
