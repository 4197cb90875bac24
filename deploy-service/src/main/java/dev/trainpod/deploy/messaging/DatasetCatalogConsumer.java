package dev.trainpod.deploy.messaging;

import dev.trainpod.common.event.DatasetCatalogEvent;
import dev.trainpod.common.event.DatasetCataloged;
import dev.trainpod.common.event.DatasetRemoved;
import dev.trainpod.common.event.EventCodec;
import dev.trainpod.deploy.repository.DatasetSummaryRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads the dataset-catalog topic into deploy-service's copy of the dataset summaries. No inbox: each event is an
 * upsert that only moves forward (see {@link DatasetSummaryRepository}), so a repeat or a replay is harmless. A write
 * that fails (the database is down) is retried until it succeeds, holding the partition, so nothing is skipped; a
 * record of a type this build does not know, or a malformed one, is skipped.
 */
@ApplicationScoped
public class DatasetCatalogConsumer {

    private static final Logger LOG = Logger.getLogger(DatasetCatalogConsumer.class);

    private final DatasetSummaryRepository summaries;

    public DatasetCatalogConsumer(DatasetSummaryRepository summaries) {
        this.summaries = summaries;
    }

    @Incoming("dataset-catalog")
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        return EventCodec.decodeOrSkip(record, EventCodec::catalogFromRecord).map(event -> Uni.createFrom()
                        .deferred(() -> apply(event))
                        .onFailure().invoke(e -> LOG.warnf("storing %s of dataset %s failed, will retry: %s",
                                event.type(), event.datasetId(), e.getMessage()))
                        .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10)).indefinitely())
                .orElseGet(() -> Uni.createFrom().voidItem());
    }

    private Uni<Void> apply(DatasetCatalogEvent event) {
        return event instanceof DatasetCataloged c ? summaries.catalog(c) : summaries.remove((DatasetRemoved) event);
    }
}
