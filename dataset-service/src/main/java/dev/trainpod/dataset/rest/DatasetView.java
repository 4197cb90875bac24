package dev.trainpod.dataset.rest;

import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.service.ErrorListCodec;
import dev.trainpod.dataset.validation.DatasetFormat;
import dev.trainpod.dataset.validation.LineError;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A dataset's summary as its owner sees it.
 *
 * @param rows the non-blank lines of the file
 * @param estimatedTokens about a quarter of the characters of the records' text
 * @param errors the first 100 validation errors; {@code errorCount} counts them all
 * @param fitsMethods the training methods the format can be used for ({@code SFT}, {@code DPO})
 */
public record DatasetView(UUID id, String name, long bytes, String sha256, DatasetFormat format, long rows,
                          long estimatedTokens, List<LineError> errors, long errorCount, List<String> fitsMethods,
                          Instant createdAt) {

    /** The summary a user sees of their dataset (deploy-service's is {@code common.dataset.DatasetSummary}). */
    public static DatasetView of(Dataset dataset) {
        DatasetFormat format = DatasetFormat.valueOf(dataset.format);
        return new DatasetView(dataset.id, dataset.name, dataset.bytes, dataset.sha256, format, dataset.rows,
                dataset.estimatedTokens, ErrorListCodec.read(dataset.errors), dataset.errorCount,
                format.fitsMethods(), dataset.createdAt);
    }
}
