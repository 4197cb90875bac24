package dev.trainpod.common.event;

import java.time.Instant;
import java.util.UUID;

/**
 * A dataset is deleted (a tombstone): published by dataset-service through its outbox in the deleting transaction.
 * Dataset ids are never reused, so a consumer keeps the tombstone for good and answers "not found" from it.
 *
 * @param userId    the owner the dataset had
 * @param removedAt when dataset-service deleted it
 */
public record DatasetRemoved(UUID datasetId, String userId, Instant removedAt) implements DatasetCatalogEvent {
}
