package dev.trainpod.common.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.trainpod.common.dataset.DatasetSummary;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * The AsyncAPI document of the {@code deployment-lifecycle} and {@code dataset-catalog} topics ({@code deploy/compose/gateway/asyncapi.json},
 * served by the gateway at {@code /api/asyncapi.json}) is a valid AsyncAPI 3.0 document (the official JSON schema,
 * vendored in test resources), and it is checked against the sealed event records: every permitted record is a
 * message with exactly the record's fields, each described; the headers are the ones {@link EventCodec} writes;
 * a record written by {@link EventCodec} validates against its message's payload and header schemas.
 */
class AsyncApiDocumentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DOCUMENT = Path.of("..", "deploy", "compose", "gateway", "asyncapi.json");
    private static final UUID ID = UUID.fromString("6f1c2a9e-4b7d-4c1e-9a53-2f8e0d7b1c44");

    @Test
    void theDocumentIsValidAsyncApi() throws IOException {
        JsonNode schema;
        try (InputStream in = getClass().getResourceAsStream("/asyncapi/asyncapi-3.0.0-schema.json")) {
            schema = JSON.readTree(in);
        }
        JsonNode doc = document();
        Set<ValidationMessage> errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schema)
                .validate(doc);
        assertThat(errors).isEmpty();
        ObjectNode broken = doc.deepCopy();
        ((ObjectNode) broken.path("channels").path("deploymentLifecycle")).put("address", 42);
        assertThat(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schema).validate(broken))
                .as("the schema catches a broken document").isNotEmpty();
    }

    @Test
    void everyEventRecordIsAMessageWithExactlyItsFieldsEachDescribed() throws IOException {
        JsonNode doc = document();
        assertThat(doc.path("channels").path("deploymentLifecycle").path("address").asText())
                .isEqualTo(LifecycleEvent.TOPIC);
        List<String> names = new ArrayList<>();
        for (Class<?> type : LifecycleEvent.class.getPermittedSubclasses()) {
            names.add(type.getSimpleName());
            JsonNode message = doc.path("components").path("messages").path(type.getSimpleName());
            assertThat(message.isObject()).as(type.getSimpleName() + " message").isTrue();
            assertThat(message.path("payload").path("$ref").asText())
                    .isEqualTo("#/components/schemas/" + type.getSimpleName());
            assertFields(doc, type, type.getSimpleName());
            assertThat(doc.path("channels").path("deploymentLifecycle").path("messages").has(type.getSimpleName()))
                    .as(type.getSimpleName() + " on the channel").isTrue();
        }
        assertFields(doc, ArtifactsStored.Artifact.class, "StoredArtifact");
        assertThat(doc.path("channels").path("datasetCatalog").path("address").asText())
                .isEqualTo(DatasetCatalogEvent.TOPIC);
        for (Class<?> type : DatasetCatalogEvent.class.getPermittedSubclasses()) {
            names.add(type.getSimpleName());
            assertThat(doc.path("components").path("messages").path(type.getSimpleName()).path("payload")
                    .path("$ref").asText()).isEqualTo("#/components/schemas/" + type.getSimpleName());
            assertFields(doc, type, type.getSimpleName());
            assertThat(doc.path("channels").path("datasetCatalog").path("messages").has(type.getSimpleName()))
                    .as(type.getSimpleName() + " on the catalog channel").isTrue();
            assertThat(EventCodec.topicOf(type.getSimpleName())).isEqualTo(DatasetCatalogEvent.TOPIC);
        }
        assertFields(doc, DatasetSummary.class, "DatasetSummary");
        assertThat(EventCodec.topicOf("DeploymentEnded")).isEqualTo(LifecycleEvent.TOPIC);
        assertThat(doc.path("components").path("messages").fieldNames()).toIterable()
                .containsExactlyInAnyOrderElementsOf(names);
        assertThat(doc.path("components").path("schemas").path("CloudEventsHeaders").path("properties")
                .path("ce_type").path("enum")).extracting(JsonNode::asText).containsExactlyInAnyOrderElementsOf(names);
        assertThat(doc.path("components").path("schemas").path("TrainingFailed").path("properties").path("reason")
                .path("enum")).extracting(JsonNode::asText).containsExactlyInAnyOrderElementsOf(
                        Arrays.stream(FailureReason.values()).map(Enum::name).toList());
    }

    @Test
    void recordsWrittenByTheCodecValidateAgainstTheirMessage() throws IOException {
        JsonNode doc = document();
        List<LifecycleEvent> samples = List.of(
                new DeploymentRequested(ID, "user-1", UUID.randomUUID(), "Qwen/Qwen2.5-0.5B", "SFT",
                        List.of("NVIDIA RTX A4000"), 30, new BigDecimal("5.25"), null, 30),
                new PodStarted(ID, "pod-1", "NVIDIA RTX A4000", 1, "SECURE", new BigDecimal("0.17")),
                new TrainingSucceeded(ID, null),
                new TrainingFailed(ID, FailureReason.FAILED_TRAINING.name(), "exit 1", 1, "boom"),
                new ArtifactsStored(ID, List.of(new ArtifactsStored.Artifact(UUID.randomUUID(), "adapter.bin", 12,
                        "0".repeat(64))), Instant.parse("2026-12-06T11:00:00Z")),
                new CheckpointStored(ID, 200, "checkpoint-200.tar", Instant.parse("2026-12-06T11:00:00Z")),
                new DeploymentEnded(ID, "FAILED", FailureReason.FAILED_BUDGET.name(), 60, new BigDecimal("0.01")));
        assertThat(samples.stream().map(e -> (Object) e.getClass()).toList())
                .containsExactlyInAnyOrder((Object[]) LifecycleEvent.class.getPermittedSubclasses());
        for (LifecycleEvent event : samples) {
            ProducerRecord<String, String> rec = EventCodec.toRecord(LifecycleEvent.TOPIC, UUID.randomUUID(),
                    "/trainpod/deploy-service", Instant.now(), event.type(), event.deploymentId().toString(),
                    EventCodec.toJson(event));
            JsonNode message = doc.path("components").path("messages").path(event.type());
            assertThat(validate(doc, message.path("payload"), JSON.readTree(rec.value()))).as(event.type()).isEmpty();
            ObjectNode headers = JSON.createObjectNode();
            for (Header h : rec.headers()) {
                headers.put(h.key(), new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
            }
            assertThat(validate(doc, message.path("headers"), headers)).as(event.type() + " headers").isEmpty();
            for (JsonNode example : message.path("examples")) {
                assertThat(validate(doc, message.path("payload"), example.path("payload"))).as(event.type()).isEmpty();
                assertThat(validate(doc, message.path("headers"), example.path("headers"))).as(event.type()).isEmpty();
            }
        }
        List<DatasetCatalogEvent> catalog = List.of(
                new DatasetCataloged(ID, new DatasetSummary(ID, "user-1", "chat.jsonl", 12, "0".repeat(64), "SFT_MESSAGES",
                        3, 40L, List.of("SFT"), 0L), Instant.parse("2026-12-06T11:00:00.123456Z")),
                new DatasetRemoved(ID, "user-1", Instant.parse("2026-12-06T12:00:00Z")));
        for (DatasetCatalogEvent event : catalog) {
            ProducerRecord<String, String> rec = EventCodec.toRecord(DatasetCatalogEvent.TOPIC, UUID.randomUUID(),
                    "/trainpod/dataset-service", Instant.now(), event.type(), event.datasetId().toString(),
                    EventCodec.toJson(event));
            JsonNode message = doc.path("components").path("messages").path(event.type());
            assertThat(validate(doc, message.path("payload"), JSON.readTree(rec.value()))).as(event.type()).isEmpty();
            for (JsonNode example : message.path("examples")) {
                assertThat(validate(doc, message.path("payload"), example.path("payload"))).as(event.type()).isEmpty();
                assertThat(validate(doc, message.path("headers"), example.path("headers"))).as(event.type()).isEmpty();
            }
        }
        JsonNode wrong = JSON.readTree("{\"deploymentId\": \"" + ID + "\", \"status\": \"DONE\", \"billedSeconds\": -1}");
        assertThat(validate(doc, doc.path("components").path("messages").path("DeploymentEnded").path("payload"),
                wrong)).as("a wrong body is caught").hasSizeGreaterThanOrEqualTo(2);
    }

    private static void assertFields(JsonNode doc, Class<?> record, String schemaName) {
        JsonNode properties = doc.path("components").path("schemas").path(schemaName).path("properties");
        List<String> fields = Arrays.stream(record.getRecordComponents()).map(RecordComponent::getName).toList();
        assertThat(properties.fieldNames()).toIterable().as(schemaName + " fields")
                .containsExactlyInAnyOrderElementsOf(fields);
        properties.properties().forEach(p -> assertThat(p.getValue().path("description").asText())
                .as(schemaName + "." + p.getKey() + " description").isNotBlank());
    }

    private static Set<ValidationMessage> validate(JsonNode doc, JsonNode schema, JsonNode value) {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.putArray("allOf").add(schema);
        root.set("components", doc.path("components"));
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(root).validate(value);
    }

    private static JsonNode document() throws IOException {
        return JSON.readTree(DOCUMENT.toFile());
    }
}
