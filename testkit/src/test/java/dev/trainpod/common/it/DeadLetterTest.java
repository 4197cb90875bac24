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
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The consumer's retry budget (3 s here) and dead-letter table, against the real PostgreSQL and Kafka: an event
 * that keeps failing is set aside, counted and passed, and one that cannot even be set aside (the database is
 * down) is kept until it can.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "common_test"))
class DeadLetterTest {

    private static final String DB = "common_test";
    private static final Pattern DEAD_LETTERS = Pattern.compile(
            "trainpod_consumer_dead_letters_total\\{[^}]*event_type=\"TrainingSucceeded\"[^}]*} ([0-9.]+)");
    private static final Pattern RETRIES = Pattern.compile(
            "trainpod_consumer_retries_total\\{[^}]*event_type=\"TrainingSucceeded\"[^}]*} ([0-9.]+)");

    @Test
    void eventThatKeepsFailingIsDeadLetteredCountedAndTheConsumerMovesOn() {
        double before = deadLetterCount();
        double retriesBefore = count(RETRIES);
        UUID deployment = UUID.randomUUID();
        UUID poison = UUID.randomUUID();
        RecordMetadata sent = send(poison, new TrainingSucceeded(deployment, EffectConsumer.POISON));
        // Same key, same partition: it is processed only once the consumer has moved past the poison event.
        send(UUID.randomUUID(), new TrainingSucceeded(deployment, "done"));

        await().atMost(Duration.ofSeconds(30)).until(() -> effects(deployment) == 1);
        Map<String, Object> row = deadLetter(poison);
        assertThat(row).isNotNull();
        assertThat(row.get("event_type")).isEqualTo("TrainingSucceeded");
        assertThat(row.get("record_key")).isEqualTo(deployment.toString());
        assertThat(row.get("topic")).isEqualTo(LifecycleEvent.TOPIC);
        assertThat(row.get("kafka_partition")).isEqualTo(sent.partition());
        assertThat(row.get("kafka_offset")).isEqualTo(sent.offset());
        assertThat((String) row.get("payload")).contains(EffectConsumer.POISON);
        assertThat((String) row.get("error")).contains("poison event: the handler always fails");
        assertThat((Integer) row.get("attempts")).isGreaterThan(1);
        assertThat(((java.sql.Timestamp) row.get("last_failed_at")).toInstant())
                .isAfter(((java.sql.Timestamp) row.get("first_failed_at")).toInstant());
        assertThat(deadLetterCount()).isEqualTo(before + 1);
        assertThat(count(RETRIES)).as("every failed attempt is counted")
                .isGreaterThanOrEqualTo(retriesBefore + (Integer) row.get("attempts"));
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void eventFailingWhileTheDatabaseIsDownIsKeptUntilItCanBeDeadLettered() {
        Assumptions.assumeTrue(SharedPostgres.embedded(), "needs the embedded PostgreSQL to stop it");
        UUID deployment = UUID.randomUUID();
        UUID poison = UUID.randomUUID();
        CompletableFuture<Void> outage = CompletableFuture.runAsync(() -> SharedPostgres.restart(Duration.ofSeconds(8)));
        try {
            send(poison, new TrainingSucceeded(deployment, EffectConsumer.POISON));
            send(UUID.randomUUID(), new TrainingSucceeded(deployment, "done"));
            // Past the 3-second budget the event waits for its dead-letter row; the consumer is not reported
            // dead for it (a restart would not bring the database back).
            await().atMost(Duration.ofSeconds(20)).until(() -> waitingForDeadLetterWrite() >= 1);
            assertThat(outage).isNotDone();
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            outage.join();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> effects(deployment) == 1);
        Map<String, Object> row = deadLetter(poison);
        assertThat(row).isNotNull();
        assertThat((Integer) row.get("attempts")).isGreaterThan(1);
        assertThat(waitingForDeadLetterWrite()).isZero();
    }

    private static int waitingForDeadLetterWrite() {
        JsonPath health = given().get("/q/health/live").then().extract().jsonPath();
        Integer waiting = health.getInt("checks.find { it.name == 'lifecycle consumer' }.data.waitingForDeadLetterWrite");
        return waiting == null ? 0 : waiting;
    }

    private static double deadLetterCount() {
        return count(DEAD_LETTERS);
    }

    private static double count(Pattern metric) {
        Matcher m = metric.matcher(given().get("/q/metrics").then().statusCode(200).extract().asString());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static RecordMetadata send(UUID eventId, LifecycleEvent event) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            return producer.send(EventCodec.toRecord(LifecycleEvent.TOPIC, eventId, "/test", Instant.now(),
                    event.type(), event.deploymentId().toString(), EventCodec.toJson(event))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long effects(UUID deployment) {
        try (Connection c = connect();
             PreparedStatement st = c.prepareStatement("SELECT count(*) FROM test_effect WHERE deployment_id = ?")) {
            st.setObject(1, deployment);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            return -1;
        }
    }

    private static Map<String, Object> deadLetter(UUID eventId) {
        try (Connection c = connect();
             PreparedStatement st = c.prepareStatement("SELECT * FROM dead_letter_event WHERE event_id = ?")) {
            st.setObject(1, eventId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, Object> row = new java.util.HashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnName(i), rs.getObject(i));
                }
                return row;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection connect() throws SQLException {
        SharedPostgres.Server pg = SharedPostgres.server();
        return DriverManager.getConnection(pg.jdbcUrl(DB), pg.user(), pg.password());
    }
}
