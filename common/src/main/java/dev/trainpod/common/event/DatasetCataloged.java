package dev.trainpod.common.event;

import dev.trainpod.common.dataset.DatasetSummary;
import java.time.Instant;
import java.util.UUID;

/**
 * A dataset is visible with its validation outcome: published by dataset-service through its outbox in the
 * transaction that records the uploaded (or resumed and completed) file.
 *
 * @param summary     what {@code GET /internal/v1/datasets/{id}} answers for it, owner included
 * @param catalogedAt when dataset-service recorded it: a consumer keeps the newest and never resurrects a removed one
 */
public record DatasetCataloged(UUID datasetId, DatasetSummary summary, Instant catalogedAt)
        implements DatasetCatalogEvent {
}
