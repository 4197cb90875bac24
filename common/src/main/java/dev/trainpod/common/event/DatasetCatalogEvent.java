package dev.trainpod.common.event;

import java.util.UUID;

/**
 * One event on the {@code dataset-catalog} topic: what dataset-service tells the other services of a dataset's
 * summary, keyed by dataset id, so deploy-service's pre-flight reads a local copy instead of calling dataset-service
 * per create. Not a lifecycle event: it belongs to no deployment and no inbox holds it (consumers apply it as an
 * upsert that only moves forward).
 */
public sealed interface DatasetCatalogEvent permits DatasetCataloged, DatasetRemoved {

    /** The Kafka topic that carries every dataset catalog event (compacted: the newest per dataset is enough). */
    String TOPIC = "dataset-catalog";

    /** The dataset this event is about; also the Kafka record key. */
    UUID datasetId();

    /** The CloudEvents {@code ce_type}: the record's simple name, e.g. {@code DatasetRemoved}. */
    default String type() {
        return getClass().getSimpleName();
    }
}
