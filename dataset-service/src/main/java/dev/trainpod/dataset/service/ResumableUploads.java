package dev.trainpod.dataset.service;

import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.Upload;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.problem.OffsetConflictException;
import dev.trainpod.dataset.storage.DatasetStorage;
import dev.trainpod.dataset.storage.StagedFile;
import dev.trainpod.dataset.storage.StoredFile;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resumable (tus-style) dataset uploads: chunks are appended to a staged file named by the upload's id; when the
 * last byte arrives the staged file is validated and hashed, read once from disk as a stream, and becomes a
 * dataset. Blocking: call it from a worker thread.
 */
@ApplicationScoped
public class ResumableUploads {

    private final UploadRecords records;
    private final DatasetStorage storage;
    private final DatasetService datasets;
    private final long maxBytes;
    /** Uploads a request is appending to right now: a second, concurrent PATCH is refused. */
    private final Set<UUID> receiving = ConcurrentHashMap.newKeySet();

    public ResumableUploads(UploadRecords records, DatasetStorage storage, DatasetService datasets,
                            DatasetConfig config) {
        this.records = records;
        this.storage = storage;
        this.datasets = datasets;
        this.maxBytes = config.maxBytes().asLongValue();
    }

    /** Starts an upload of {@code length} bytes. */
    public Upload create(String userId, String name, long length) {
        if (length > maxBytes) {
            throw DatasetProblems.tooLarge(maxBytes);
        }
        if (length < 1) {
            throw DatasetProblems.empty("Upload-Length is 0: the file is empty.");
        }
        Await.result(() -> datasets.checkQuota(userId, length));
        Upload upload = Await.result(() -> records.create(userId, name, length));
        try {
            Files.createFile(staged(upload.id));
        } catch (IOException e) {
            Await.result(() -> records.delete(upload.id));
            throw DatasetProblems.storageUnavailable();
        }
        return upload;
    }

    /** The user's upload; 404 if it is not there or not theirs. */
    public Upload get(UUID id, String userId) {
        return Await.result(() -> records.get(id, userId));
    }

    /**
     * Appends the body at {@code offset}; when the upload is then complete, validates it and records the dataset.
     *
     * @return the dataset when this chunk completed the upload, null otherwise (the upload is then
     *         {@code upload.offset} bytes long)
     * @throws ProblemException 404 unknown upload, 409 (with the offset) wrong offset or a concurrent request, 400
     *         more bytes than the declared length, and the dataset upload's problems at completion
     */
    public Dataset append(Upload upload, long offset, InputStream body) {
        if (upload.datasetId != null) {
            throw new OffsetConflictException("upload-complete",
                    "This upload is complete: it became dataset " + upload.datasetId + ".", upload.offset);
        }
        if (offset != upload.offset) {
            throw DatasetProblems.offsetMismatch(upload.offset);
        }
        if (!receiving.add(upload.id)) {
            throw new OffsetConflictException("upload-busy",
                    "Another request is sending bytes to this upload; wait for it, then ask for the offset.", offset);
        }
        try {
            Path staged = staged(upload.id);
            StagedFile.Appended appended = StagedFile.append(staged, offset, body, upload.length - offset, null);
            if (appended.overflow()) {
                StagedFile.truncate(staged, offset);
                throw DatasetProblems.badHeader("upload-length-exceeded", "The chunk goes past the "
                        + upload.length + " bytes of Upload-Length; it was dropped. Send only the missing bytes.");
            }
            long reached = offset + appended.written();
            if (!Await.result(() -> records.advance(upload.id, offset, reached))) {
                throw DatasetProblems.offsetMismatch(Await.result(() -> records.get(upload.id, upload.userId)).offset);
            }
            upload.offset = reached;
            if (appended.interrupted()) {
                throw DatasetProblems.uploadInterrupted();
            }
            return reached == upload.length ? complete(upload, staged) : null;
        } finally {
            receiving.remove(upload.id);
        }
    }

    /** Abandons the upload and its bytes. */
    public void delete(Upload upload) {
        Await.result(() -> records.delete(upload.id));
        StagedFile.deleteQuietly(staged(upload.id));
    }

    /** The staged file of an upload. */
    public Path staged(UUID uploadId) {
        return storage.partialDirectory().resolve(uploadId + ".upload");
    }

    private Dataset complete(Upload upload, Path staged) {
        StoredFile stored;
        try {
            stored = storage.adopt(staged);
        } catch (ProblemException e) {
            Await.result(() -> records.delete(upload.id));
            throw e;
        }
        try {
            Dataset dataset = Await.result(() -> datasets.record(upload.userId, upload.name, stored));
            Await.result(() -> records.completed(upload.id, dataset.id));
            upload.datasetId = dataset.id;
            return dataset;
        } catch (RuntimeException | Error e) {
            storage.delete(stored.storagePath());
            throw e;
        }
    }
}
