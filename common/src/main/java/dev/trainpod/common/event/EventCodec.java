package dev.trainpod.common.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * Turns lifecycle events and dataset catalog events into Kafka records (JSON body, CloudEvents binary-mode headers)
 * and back, and names the topic of each event type.
 */
public final class EventCodec {

    public static final String CE_ID = "ce_id";
    public static final String CE_TYPE = "ce_type";
    public static final String CE_SOURCE = "ce_source";
    public static final String CE_TIME = "ce_time";
    public static final String CE_SPECVERSION = "ce_specversion";
    public static final String CONTENT_TYPE = "content-type";

    private static final Map<String, Class<? extends LifecycleEvent>> TYPES = Stream.of(
                    DeploymentRequested.class, PodStarted.class, TrainingFailed.class,
                    TrainingSucceeded.class, ArtifactsStored.class, CheckpointStored.class, DeploymentEnded.class)
            .collect(Collectors.toUnmodifiableMap(Class::getSimpleName, Function.identity()));

    private static final Logger LOG = Logger.getLogger(EventCodec.class);

    private static final Map<String, Class<? extends DatasetCatalogEvent>> CATALOG_TYPES = Stream.of(
                    DatasetCataloged.class, DatasetRemoved.class)
            .collect(Collectors.toUnmodifiableMap(Class::getSimpleName, Function.identity()));

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private EventCodec() {
    }

    /** The JSON body of an event. */
    public static String toJson(LifecycleEvent event) {
        return write(event, event.type());
    }

    /** The JSON body of a dataset catalog event. */
    public static String toJson(DatasetCatalogEvent event) {
        return write(event, event.type());
    }

    /**
     * The topic an outbox row of this {@code ce_type} is published on: {@link DatasetCatalogEvent#TOPIC} for the
     * dataset catalog's types, {@link LifecycleEvent#TOPIC} for every other.
     */
    public static String topicOf(String type) {
        return CATALOG_TYPES.containsKey(type) ? DatasetCatalogEvent.TOPIC : LifecycleEvent.TOPIC;
    }

    /**
     * Reads a consumed record of the {@code dataset-catalog} topic; throws {@link UnknownEventTypeException} for
     * types we do not know and {@link IllegalArgumentException} for a record without {@code ce_type} or a malformed
     * body.
     */
    public static DatasetCatalogEvent catalogFromRecord(ConsumerRecord<String, String> rec) {
        String type = header(rec.headers(), CE_TYPE);
        if (type == null) {
            throw new IllegalArgumentException("record without ce_type at offset " + rec.offset());
        }
        return read(CATALOG_TYPES, type, rec.value());
    }

    private static String write(Object event, String type) {
        try {
            return JSON.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event cannot be written as JSON: " + type, e);
        }
    }

    /** Reads an event body of the given {@code ce_type}. */
    public static LifecycleEvent fromJson(String type, String json) {
        return read(TYPES, type, json);
    }

    /** A body of one of {@code types}; {@link UnknownEventTypeException} for any other type. */
    private static <T> T read(Map<String, Class<? extends T>> types, String type, String json) {
        Class<? extends T> cls = types.get(type);
        if (cls == null) {
            throw new UnknownEventTypeException(type);
        }
        try {
            return JSON.readValue(json, cls);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed " + type + " event", e);
        }
    }

    /** A Kafka record keyed by its aggregate (deployment id, or dataset id), with the CloudEvents headers. */
    public static ProducerRecord<String, String> toRecord(String topic, UUID id, String source, Instant time,
                                                           String type, String key, String json) {
        ProducerRecord<String, String> rec = new ProducerRecord<>(topic, key, json);
        Headers h = rec.headers();
        h.add(CE_SPECVERSION, bytes("1.0"));
        h.add(CE_ID, bytes(id.toString()));
        h.add(CE_TYPE, bytes(type));
        h.add(CE_SOURCE, bytes(source));
        h.add(CE_TIME, bytes(time.toString()));
        h.add(CONTENT_TYPE, bytes("application/json"));
        return rec;
    }

    /** Reads the envelope of a consumed record; throws {@link UnknownEventTypeException} for types we do not know. */
    public static EventEnvelope fromRecord(ConsumerRecord<String, String> rec) {
        String id = header(rec.headers(), CE_ID);
        String type = header(rec.headers(), CE_TYPE);
        if (id == null || type == null) {
            throw new IllegalArgumentException("record without ce_id/ce_type at offset " + rec.offset());
        }
        String time = header(rec.headers(), CE_TIME);
        return new EventEnvelope(UUID.fromString(id), header(rec.headers(), CE_SOURCE),
                time == null ? null : Instant.parse(time), fromJson(type, rec.value()));
    }

    /**
     * A consumed record read with {@code decoder}, or empty (logged) when a consumer must skip it: a type this build
     * does not know (debug), or a malformed record (error).
     */
    public static <T> Optional<T> decodeOrSkip(ConsumerRecord<String, String> rec,
                                               Function<ConsumerRecord<String, String>, T> decoder) {
        try {
            return Optional.of(decoder.apply(rec));
        } catch (UnknownEventTypeException e) {
            LOG.debugf("skipping %s at offset %d", e.getMessage(), rec.offset());
        } catch (RuntimeException e) {
            LOG.errorf("skipping malformed record at %s-%d offset %d: %s",
                    rec.topic(), rec.partition(), rec.offset(), e.getMessage());
        }
        return Optional.empty();
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** An event type this build does not know: newer producers may add types, consumers skip them. */
    public static final class UnknownEventTypeException extends RuntimeException {
        public UnknownEventTypeException(String type) {
            super("unknown event type " + type);
        }
    }
}
