package dev.trainpod.common.event;

import java.time.Instant;
import java.util.UUID;

/**
 * A lifecycle event with its CloudEvents attributes, as read from or written to Kafka.
 *
 * @param id the {@code ce_id}: unique per event, the consumers' idempotency key
 * @param source the {@code ce_source}: which service emitted it
 */
public record EventEnvelope(UUID id, String source, Instant time, LifecycleEvent event) {
}
