package dev.trainpod.dataset.rest;

import dev.trainpod.dataset.Upload;
import java.util.UUID;

/**
 * A resumable upload's state.
 *
 * @param length the declared size ({@code Upload-Length})
 * @param offset the bytes received ({@code Upload-Offset})
 * @param datasetId the dataset it became once complete; null before
 */
public record UploadView(UUID id, String name, long length, long offset, UUID datasetId) {

    public static UploadView of(Upload upload) {
        return new UploadView(upload.id, upload.name, upload.length, upload.offset, upload.datasetId);
    }
}
