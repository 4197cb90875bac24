package dev.trainpod.dataset.api;

import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.service.ErrorListCodec;
import dev.trainpod.dataset.validation.DatasetFormat;
import dev.trainpod.dataset.validation.LineError;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A dataset's summary as its owner sees it.
 *
 * @param rows the non-blank lines of the file
 * @param estimatedTokens about a quarter of the characters of the records' text
 * @param errors the first 100 validation errors; {@code errorCount} counts them all
 * @param fitsMethods the training methods the format can be used for ({@code SFT}, {@code DPO})
 */
@Schema(description = "A dataset's summary.")
public record DatasetView(
        @Schema(description = "The dataset's id.") UUID id,
        @Schema(description = "Its file name, at most 255 characters.") String name,
        @Schema(description = "Its size, in bytes.", minimum = "0") long bytes,
        @Schema(description = "SHA-256 of the file, 64 hex characters.") String sha256,
        @Schema(description = "The detected format; INVALID when a line failed validation.") DatasetFormat format,
        @Schema(description = "Non-blank lines (records).", minimum = "0") long rows,
        @Schema(description = "About a quarter of the characters of the records' text.", minimum = "0")
        long estimatedTokens,
        @Schema(description = "The first 100 validation errors.") List<LineError> errors,
        @Schema(description = "How many validation errors there are in all.", minimum = "0") long errorCount,
        @Schema(description = "Training methods the format can be used for (SFT, DPO).") List<String> fitsMethods,
        @Schema(description = "When it was stored (RFC 3339, UTC).") Instant createdAt) {

    /** The summary a user sees of their dataset (deploy-service's is {@code common.dataset.DatasetSummary}). */
    public static DatasetView of(Dataset dataset) {
        DatasetFormat format = DatasetFormat.valueOf(dataset.format);
        return new DatasetView(dataset.id, dataset.name, dataset.bytes, dataset.sha256, format, dataset.rows,
                dataset.estimatedTokens, ErrorListCodec.read(dataset.errors), dataset.errorCount,
                format.fitsMethods(), dataset.createdAt);
    }
}
