package dev.trainpod.dataset.service;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.event.DatasetCataloged;
import dev.trainpod.common.event.DatasetRemoved;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.repository.DatasetRepository;
import dev.trainpod.dataset.repository.DeploymentGrantRepository;
import dev.trainpod.dataset.storage.DatasetStorage;
import dev.trainpod.dataset.storage.StoredFile;
import dev.trainpod.dataset.validation.DatasetFormat;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * Records, lists and deletes datasets; another user's dataset is reported as not found. Recording and deleting
 * publish the dataset's summary ({@link DatasetCataloged}) or its tombstone ({@link DatasetRemoved}) through the
 * outbox in the same transaction, for deploy-service's local copy.
 */
@ApplicationScoped
public class DatasetService {

    private final DatasetRepository datasets;
    private final DeploymentGrantRepository grants;
    private final DatasetStorage storage;
    private final StorageQuotas quotas;
    private final Outbox outbox;

    public DatasetService(DatasetRepository datasets, DeploymentGrantRepository grants, DatasetStorage storage,
                          StorageQuotas quotas, Outbox outbox) {
        this.quotas = quotas;
        this.outbox = outbox;
        this.datasets = datasets;
        this.grants = grants;
        this.storage = storage;
    }

    /**
     * Records a file already in storage as the user's dataset, if it fits the user's quota (checked under the
     * user's lock, so that concurrent uploads cannot pass it together).
     */
    public Uni<Dataset> record(String userId, String name, StoredFile file) {
        Dataset dataset = new Dataset();
        dataset.id = file.id();
        dataset.userId = userId;
        dataset.name = name;
        dataset.bytes = file.bytes();
        dataset.sha256 = file.sha256();
        dataset.format = file.report().format().name();
        dataset.rows = file.report().rows();
        dataset.estimatedTokens = file.report().estimatedTokens();
        dataset.errors = ErrorListCodec.write(file.report().errors());
        dataset.errorCount = file.report().errorCount();
        dataset.storagePath = file.storagePath();
        // PostgreSQL keeps microseconds: truncating now makes the answer equal what a later read returns.
        dataset.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return Panache.withTransaction(() -> quotas.datasetFits(userId, file.bytes(), true)
                .chain(() -> datasets.persist(dataset))
                .call(saved -> outbox.publish(new DatasetCataloged(saved.id, summary(saved), saved.createdAt))));
    }

    /** What deploy-service is told of a dataset: by its internal endpoint, and in {@link DatasetCataloged}. */
    public static DatasetSummary summary(Dataset dataset) {
        List<String> fits = DatasetFormat.valueOf(dataset.format).fitsMethods();
        return new DatasetSummary(dataset.id, dataset.userId, dataset.name, dataset.bytes, dataset.sha256,
                dataset.format, dataset.rows, dataset.estimatedTokens, fits, dataset.errorCount);
    }

    /** Fails with {@code dataset-quota-exceeded} unless a dataset of {@code bytes} would fit (before storing it). */
    public Uni<Void> checkQuota(String userId, long bytes) {
        return Panache.withSession(() -> quotas.datasetFits(userId, bytes, false));
    }

    /** The user's datasets, newest first. */
    public Uni<List<Dataset>> list(String userId) {
        return Panache.withSession(() -> datasets.listOwned(userId));
    }

    /** The user's dataset; fails with 404 if it does not exist or is another user's. */
    public Uni<Dataset> get(UUID id, String userId) {
        return Panache.withSession(() -> datasets.findOwned(id, userId))
                .onItem().ifNull().failWith(DatasetProblems::datasetNotFound);
    }

    /**
     * Deletes the user's dataset, its download tokens and its file; fails with 404 like {@link #get}, and with 409
     * while a deployment that has not ended holds it.
     */
    public Uni<Void> delete(UUID id, String userId) {
        return Panache.withTransaction(() -> datasets.findOwned(id, userId, LockModeType.PESSIMISTIC_WRITE)
                        .onItem().ifNull().failWith(DatasetProblems::datasetNotFound)
                        .call(dataset -> grants.countActive(id).invoke(active -> {
                            if (active > 0) {
                                throw DatasetProblems.datasetInUse(active);
                            }
                        }))
                        .call(datasets::delete)
                        .call(deleted -> outbox.publish(new DatasetRemoved(deleted.id, deleted.userId,
                                Instant.now().truncatedTo(ChronoUnit.MICROS)))))
                .chain(deleted -> VertxContextSupport.executeBlocking(() -> {
                    storage.delete(deleted.storagePath);
                    return null;
                }))
                .replaceWithVoid();
    }
}
