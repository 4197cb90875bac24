package dev.trainpod.dataset.service;

import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.storage.DatasetStorage;
import dev.trainpod.dataset.storage.StoredFile;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.InputStream;

/**
 * Turns an uploaded stream into a stored, validated and recorded dataset, or into nothing at all. Blocking (it
 * reads the stream and writes the disk), so call it from a worker thread; the database insert still runs
 * reactively, on a Vert.x context.
 */
@ApplicationScoped
public class DatasetUploads {

    private final DatasetStorage storage;
    private final DatasetService datasets;

    public DatasetUploads(DatasetStorage storage, DatasetService datasets) {
        this.storage = storage;
        this.datasets = datasets;
    }

    /**
     * Stores the stream as the user's dataset; on any failure the file is gone again. The user's quota is checked
     * first with the declared length ({@code 0} when unknown) and again when the dataset is recorded.
     */
    public Dataset upload(String userId, String name, long declaredBytes, InputStream body) {
        return upload(userId, name, declaredBytes, body, true);
    }

    /** {@link #upload(String, String, long, InputStream)}; {@code validate} false for the benchmark's reference. */
    public Dataset upload(String userId, String name, long declaredBytes, InputStream body, boolean validate) {
        Await.result(() -> datasets.checkQuota(userId, Math.max(0, declaredBytes)));
        StoredFile stored = storage.store(body, validate);
        try {
            return Await.result(() -> datasets.record(userId, name, stored));
        } catch (RuntimeException | Error e) {
            storage.delete(stored.storagePath());
            throw e;
        }
    }
}
