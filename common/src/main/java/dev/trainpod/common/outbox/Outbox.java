package dev.trainpod.common.outbox;

import dev.trainpod.common.event.DatasetCatalogEvent;
import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.tracing.TraceHeaders;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Writes lifecycle events (and dataset catalog events) into the outbox table; call it inside the transaction that makes the state
 * change, so the event exists if and only if the change was committed.
 */
@ApplicationScoped
public class Outbox {

    private final String source;

    public Outbox(@ConfigProperty(name = "quarkus.application.name") String applicationName) {
        this.source = "/trainpod/" + applicationName;
    }

    /** Adds the event to the current transaction; the relay publishes it once the transaction commits. */
    public Uni<Void> publish(LifecycleEvent event) {
        return row(event).persist().replaceWithVoid();
    }

    /**
     * The outbox row of the event, not yet written: for a writer that inserts it with its own statement in the
     * transaction of the state change (deploy-service's accept writes deployment, transition and event in one).
     */
    public OutboxEvent row(LifecycleEvent event) {
        return row(event.deploymentId(), event.type(), EventCodec.toJson(event));
    }

    /**
     * Adds a dataset catalog event to the current transaction, keyed by its dataset; the relay publishes it on
     * {@link DatasetCatalogEvent#TOPIC} once the transaction commits.
     */
    public Uni<Void> publish(DatasetCatalogEvent event) {
        return row(event.datasetId(), event.type(), EventCodec.toJson(event)).persist().replaceWithVoid();
    }

    private OutboxEvent row(UUID aggregate, String type, String payload) {
        OutboxEvent row = new OutboxEvent();
        row.id = UUID.randomUUID();
        row.aggregateId = aggregate.toString();
        row.type = type;
        row.source = source;
        row.payload = payload;
        row.createdAt = Instant.now();
        row.traceparent = TraceHeaders.currentTraceparent();
        return row;
    }
}
