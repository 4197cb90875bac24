package dev.trainpod.metrics;

import static org.awaitility.Awaitility.await;

import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.testing.SharedKafka;
import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.common.testing.TrainpodTestResource;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Drives metrics-service from outside in tests: events on the real broker, rows over JDBC, real tokens. */
final class Fixtures {

    static final String DATABASE = "metrics_test";
    private static KafkaProducer<String, String> producer;

    private Fixtures() {
    }

    /** Publishes DeploymentRequested for a new deployment and waits until metrics-service has its job. */
    static UUID requestJob(String userId, Integer totalSteps) {
        UUID id = UUID.randomUUID();
        publish(new DeploymentRequested(id, userId, UUID.randomUUID(), "Qwen/Qwen2.5-0.5B", "SFT",
                List.of("NVIDIA RTX A4000"), 60, new BigDecimal("5.00"), 15, totalSteps));
        await().atMost(Duration.ofSeconds(60))
                .until(() -> count("SELECT count(*) FROM jobs WHERE deployment_id = ?", id) == 1);
        return id;
    }

    /** Publishes DeploymentEnded and waits until the job is closed. */
    static void endDeployment(UUID id, String status, String reason) {
        publish(new DeploymentEnded(id, status, reason, 120, new BigDecimal("0.02")));
        await().atMost(Duration.ofSeconds(30)).until(() -> "ENDED".equals(text(
                "SELECT status FROM jobs WHERE deployment_id = ?", id)));
    }

    /** Sends the event to the lifecycle topic the way deploy-service's outbox relay does, and waits for the ack. */
    static synchronized void publish(LifecycleEvent event) {
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            producer = new KafkaProducer<>(p);
        }
        try {
            producer.send(EventCodec.toRecord(LifecycleEvent.TOPIC, UUID.randomUUID(), "/test", Instant.now(),
                    event.type(), event.deploymentId().toString(), EventCodec.toJson(event))).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot publish " + event.type(), e);
        }
    }

    /**
     * The records of {@code ceType} keyed by the deployment on the lifecycle topic: polls until one arrives
     * (at most 30 s), then for {@code settle} more so that a second one would be seen too.
     */
    static List<ConsumerRecord<String, String>> eventsOn(UUID deploymentId, String ceType, Duration settle) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(LifecycleEvent.TOPIC));
            Instant deadline = Instant.now().plusSeconds(30);
            while (Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(250)).forEach(r -> {
                    if (deploymentId.toString().equals(r.key()) && ceType.equals(header(r, EventCodec.CE_TYPE))) {
                        found.add(r);
                    }
                });
                if (!found.isEmpty() && deadline.isAfter(Instant.now().plus(settle))) {
                    deadline = Instant.now().plus(settle);
                }
            }
        }
        return found;
    }

    static String header(ConsumerRecord<String, String> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static long count(String sql, Object... params) {
        return query(sql, params, rs -> rs.getLong(1));
    }

    static String text(String sql, Object... params) {
        return query(sql, params, rs -> rs.getString(1));
    }

    /** Runs a data change over JDBC, e.g. to move a job's clocks into the past; the item is the rows changed. */
    static int execute(String sql, Object... params) {
        SharedPostgres.Server pg = SharedPostgres.server();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(DATABASE), pg.user(), pg.password());
             PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            return st.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static String userToken(String userId) {
        return TrainpodTestResource.keys().userToken(userId);
    }

    static String jobToken(UUID deploymentId) {
        return TrainpodTestResource.keys().jobToken(deploymentId);
    }

    private interface Column<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private static <T> T query(String sql, Object[] params, Column<T> column) {
        SharedPostgres.Server pg = SharedPostgres.server();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(DATABASE), pg.user(), pg.password());
             PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? column.read(rs) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
