package dev.trainpod.dataset.api;

import dev.trainpod.dataset.Upload;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A resumable upload's state.
 *
 * @param length the declared size ({@code Upload-Length})
 * @param offset the bytes received ({@code Upload-Offset})
 * @param datasetId the dataset it became once complete; null before
 */
@Schema(description = "A resumable upload's state.")
public record UploadView(@Schema(description = "The upload's id.") UUID id,
                         @Schema(description = "The dataset's file name.") String name,
                         @Schema(description = "Declared size (Upload-Length), in bytes.", minimum = "0") long length,
                         @Schema(description = "Bytes received (Upload-Offset).", minimum = "0") long offset,
                         @Schema(description = "The dataset it became once complete; null before.") UUID datasetId) {

    public static UploadView of(Upload upload) {
        return new UploadView(upload.id, upload.name, upload.length, upload.offset, upload.datasetId);
    }
}
