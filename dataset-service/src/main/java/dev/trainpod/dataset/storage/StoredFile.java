package dev.trainpod.dataset.storage;

import dev.trainpod.dataset.validation.ValidationReport;
import java.util.UUID;

/**
 * A dataset file safely in its final place, with what was learnt while it streamed in.
 *
 * @param id the dataset id the file is named after
 * @param storagePath where it lies, relative to the storage directory
 */
public record StoredFile(UUID id, String storagePath, long bytes, String sha256, ValidationReport report) {
}
