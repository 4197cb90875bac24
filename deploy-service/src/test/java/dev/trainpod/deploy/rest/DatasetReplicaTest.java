package dev.trainpod.deploy.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.event.DatasetCatalogEvent;
import dev.trainpod.common.event.DatasetCataloged;
import dev.trainpod.common.event.DatasetRemoved;
import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.testing.SharedKafka;
import dev.trainpod.deploy.testing.ApiUsers;
import dev.trainpod.deploy.testing.UpstreamStub;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: deploy-service's copy of dataset-service's catalog. Events on the real {@code dataset-catalog} topic
 * land in {@code dataset_summary} as upserts that only move forward (a repeat, an older summary or a summary after
 * the tombstone changes nothing); a create whose dataset is in the copy makes no call to dataset-service (the stub
 * records every call it receives) and answers as dataset-service would (another user's or a removed dataset is not
 * found); a create whose dataset is not in the copy still asks dataset-service. Runs in {@link CreateAcceptTest}'s
 * profile (no scheduled jobs, so no provisioner moves the accepted deployments).
 */
@QuarkusTest
@TestProfile(CreateAcceptTest.NoJobsSmallCaps.class)
class DatasetReplicaTest {

    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
    private static final String BODY = "{\"datasetId\": \"%s\", \"baseModel\": \"Qwen/Qwen2.5-0.5B\","
            + " \"method\": \"%s\", \"gpu\": {\"types\": [\"" + UpstreamStub.GPU + "\"]},"
            + " \"limits\": {\"maxRuntimeMinutes\": 600, \"maxCostUsd\": 500}, \"simulation\": {\"steps\": 3}}";

    @Inject
    Pool pool;
    @Inject
    MeterRegistry registry;
    @ConfigProperty(name = "quarkus.rest-client.dataset-service.url")
    String stubUrl;

    @Test
    void eventsAreStoredOnlyMovingForwardAndATombstoneIsFinal() {
        UUID id = UUID.randomUUID();
        send(cataloged(id, "alice", "first.jsonl", T0.plusSeconds(10)));
        awaitName(id, "first.jsonl");
        send(cataloged(id, "alice", "older.jsonl", T0));
        send(cataloged(id, "alice", "first.jsonl", T0.plusSeconds(10)));
        send(cataloged(id, "alice", "newer.jsonl", T0.plusSeconds(20)));
        awaitName(id, "newer.jsonl");

        send(new DatasetRemoved(id, "alice", T0.plusSeconds(30)));
        send(new DatasetRemoved(id, "alice", T0.plusSeconds(30)));
        send(cataloged(id, "alice", "replayed.jsonl", T0.plusSeconds(40)));
        UUID marker = UUID.randomUUID();
        send(cataloged(marker, "alice", "marker.jsonl", T0)); // same key order is per dataset: wait on a later one
        awaitRow(marker);
        Row row = row(id);
        assertThat(row.getBoolean("removed")).as("the tombstone stays").isTrue();
        assertThat(row.getString("name")).isNull();
        assertThat(row.getString("user_id")).isEqualTo("alice");

        UUID removedFirst = UUID.randomUUID();
        send(new DatasetRemoved(removedFirst, "bob", T0.plusSeconds(5)));
        send(cataloged(removedFirst, "bob", "late.jsonl", T0));
        send(cataloged(marker, "alice", "marker2.jsonl", T0.plusSeconds(1)));
        awaitName(marker, "marker2.jsonl");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(row(removedFirst)).isNotNull());
        assertThat(row(removedFirst).getBoolean("removed")).as("a summary after its tombstone never resurrects it")
                .isTrue();
    }

    @Test
    void aCreateWhoseDatasetIsCopiedAsksDatasetServiceNothingAndAnswersTheSame() throws Exception {
        String user = newUserWithKey();
        UUID mine = UUID.randomUUID();
        UUID removed = UUID.randomUUID();
        send(cataloged(mine, user, "mine.jsonl", T0));
        send(cataloged(removed, user, "gone.jsonl", T0));
        send(new DatasetRemoved(removed, user, T0.plusSeconds(1)));
        awaitRow(mine);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Row tombstone = row(removed); // its events may land after mine's: another partition
            assertThat(tombstone).as("a row for the removed dataset").isNotNull();
            assertThat(tombstone.getBoolean("removed")).isTrue();
        });
        double local = lookups("local");

        create(user, mine, "SFT").statusCode(202).body("status", equalTo("PENDING"));
        create(user, mine, "DPO").statusCode(422)
                .body("errors.code", hasItem("DATASET_METHOD_MISMATCH"));
        create(newUserWithKey(), mine, "SFT").statusCode(422)
                .body("errors.find { it.field == 'datasetId' }.code", equalTo("DATASET_NOT_FOUND"))
                .body("errors.find { it.field == 'datasetId' }.message", equalTo("No dataset of yours has this id."));
        create(user, removed, "SFT").statusCode(422)
                .body("errors.find { it.field == 'datasetId' }.code", equalTo("DATASET_NOT_FOUND"));

        assertThat(stubCalls()).as("calls to dataset-service").noneMatch(c -> c.contains(mine.toString())
                || c.contains(removed.toString()));
        assertThat(lookups("local") - local).isEqualTo(4);
    }

    @Test
    void aCreateWhoseDatasetIsNotCopiedAsksDatasetService() throws Exception {
        String user = newUserWithKey();
        UUID unseen = UUID.randomUUID();
        double http = lookups("http");
        create(user, unseen, "SFT").statusCode(202).body("status", equalTo("PENDING"));
        assertThat(stubCalls()).contains("GET /internal/v1/datasets/" + unseen);
        assertThat(lookups("http") - http).isEqualTo(1);
    }

    private static DatasetCataloged cataloged(UUID id, String user, String name, Instant at) {
        return new DatasetCataloged(id, new DatasetSummary(id, user, name, 4_000_000, "00", "SFT_MESSAGES", 1000,
                1_000_000L, List.of("SFT"), 0L), at);
    }

    private static void send(DatasetCatalogEvent event) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(EventCodec.toRecord(DatasetCatalogEvent.TOPIC, UUID.randomUUID(), "/test", Instant.now(),
                    event.type(), event.datasetId().toString(), EventCodec.toJson(event))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitRow(UUID id) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(row(id)).isNotNull());
    }

    private void awaitName(UUID id, String name) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(row(id)).isNotNull();
            assertThat(row(id).getString("name")).isEqualTo(name);
        });
    }

    private Row row(UUID id) {
        return pool.preparedQuery("SELECT user_id, removed, name FROM dataset_summary WHERE dataset_id = $1")
                .execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(10)).stream().findFirst().orElse(null);
    }

    private double lookups(String source) {
        Counter c = registry.find("trainpod_preflight_dataset_lookups_total").tag("source", source).counter();
        return c == null ? 0 : c.count();
    }

    private List<String> stubCalls() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(stubUrl
                + "/_calls")).build(), HttpResponse.BodyHandlers.ofString());
        return r.body().lines().toList();
    }

    private static String auth(String user) {
        return ApiUsers.auth(user);
    }

    private static String newUserWithKey() {
        return ApiUsers.withRunPodKey("replica");
    }

    private static io.restassured.response.ValidatableResponse create(String user, UUID dataset, String method) {
        return given().header("Authorization", auth(user)).contentType("application/json")
                .body(BODY.formatted(dataset, method)).post("/api/v1/deployments").then();
    }
}
