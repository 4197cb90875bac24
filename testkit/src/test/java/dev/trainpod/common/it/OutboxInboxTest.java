package dev.trainpod.common.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.testing.SharedKafka;
import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "common_test"))
class OutboxInboxTest {

    private static final String DB = "common_test";

    @Test
    void eventCommittedWhileBrokerIsDownIsDeliveredAfterItReturns() {
        Assumptions.assumeTrue(SharedKafka.embedded(), "needs the embedded broker to stop it");
        UUID deployment = UUID.randomUUID();
        SharedKafka.stop();
        try {
            given().post("/test/outbox/" + deployment).then().statusCode(204);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND sent_at IS NULL",
                            deployment) == 1);
        } finally {
            SharedKafka.start();
        }
        List<ConsumerRecord<String, String>> records = recordsFor(deployment, 1, Duration.ofSeconds(60));
        assertThat(records).hasSize(1);
        ConsumerRecord<String, String> record = records.get(0);
        assertThat(header(record, EventCodec.CE_TYPE)).isEqualTo("TrainingSucceeded");
        assertThat(header(record, EventCodec.CE_SPECVERSION)).isEqualTo("1.0");
        assertThat(header(record, EventCodec.CE_SOURCE)).isEqualTo("/trainpod/common-test");
        assertThat(header(record, EventCodec.CE_ID)).isNotBlank();
        await().atMost(Duration.ofSeconds(30)).until(() -> count(
                "SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND sent_at IS NULL", deployment) == 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> effects(deployment) == 1);
    }

    @Test
    void redeliveredEventHasNoSecondEffect() {
        UUID deployment = UUID.randomUUID();
        String json = EventCodec.toJson(new TrainingSucceeded(deployment, "done"));
        UUID eventId = UUID.randomUUID();
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 3; i++) {
                producer.send(EventCodec.toRecord(LifecycleEvent.TOPIC, eventId, "/test", Instant.now(),
                        "TrainingSucceeded", deployment.toString(), json));
            }
            // Same key, same partition: once this one has an effect, the three repeats before it were handled.
            producer.send(EventCodec.toRecord(LifecycleEvent.TOPIC, UUID.randomUUID(), "/test", Instant.now(),
                    "TrainingSucceeded", deployment.toString(), json));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> effects(deployment) >= 2);
        assertThat(effects(deployment)).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM inbox_event WHERE event_id = ?", eventId)).isEqualTo(1);
    }

    @Test
    void rolledBackTransactionPublishesNothing() {
        UUID rolledBack = UUID.randomUUID();
        UUID committed = UUID.randomUUID();
        given().post("/test/outbox/" + rolledBack + "?fail=true").then().statusCode(409)
                .contentType("application/problem+json");
        given().post("/test/outbox/" + committed).then().statusCode(204);

        await().atMost(Duration.ofSeconds(30)).until(() -> effects(committed) == 1);
        assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", rolledBack)).isZero();
        assertThat(effects(rolledBack)).isZero();
        assertThat(recordsFor(rolledBack, 1, Duration.ofSeconds(3))).isEmpty();
    }

    private static long effects(UUID deployment) {
        return count("SELECT count(*) FROM test_effect WHERE deployment_id = ?", deployment);
    }

    private static long count(String sql, Object param) {
        SharedPostgres.Server pg = SharedPostgres.server();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(DB), pg.user(), pg.password());
             PreparedStatement st = c.prepareStatement(sql)) {
            st.setObject(1, param instanceof UUID u && sql.contains("aggregate_id") ? u.toString() : param);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<ConsumerRecord<String, String>> recordsFor(UUID deployment, int expected, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(LifecycleEvent.TOPIC));
            Instant deadline = Instant.now().plus(timeout);
            while (Instant.now().isBefore(deadline) && found.size() < expected) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                    if (deployment.toString().equals(r.key())) {
                        found.add(r);
                    }
                });
            }
        }
        return found;
    }

    private static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
