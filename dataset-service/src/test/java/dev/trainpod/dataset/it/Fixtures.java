package dev.trainpod.dataset.it;

import static io.restassured.RestAssured.given;

import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.testing.SharedKafka;
import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Sample records, requests and direct database and broker access shared by the service's tests. */
final class Fixtures {

    static final String DATABASE = "dataset_test";
    static final Path STORAGE = Path.of("target/dataset-storage");

    static final String MESSAGES = "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"}]}";
    static final String PROMPT_COMPLETION = "{\"prompt\":\"2+2=\",\"completion\":\"4\"}";
    static final String TEXT = "{\"text\":\"The quick brown fox jumps over the lazy dog.\"}";
    static final String DPO = "{\"prompt\":\"Say hi\",\"chosen\":\"Hi!\",\"rejected\":\"Go away.\"}";

    /** One sample record of each valid format, by format name. */
    static final Map<String, String> SAMPLES = Map.of(
            "SFT_MESSAGES", MESSAGES,
            "SFT_PROMPT_COMPLETION", PROMPT_COMPLETION,
            "SFT_TEXT", TEXT,
            "DPO", DPO);

    private Fixtures() {
    }

    /** A user nobody else in the test run uses. */
    static String newUser() {
        return "user-" + UUID.randomUUID();
    }

    static RequestSpecification as(String user) {
        return given().auth().oauth2(TrainpodTestResource.keys().userToken(user));
    }

    static RequestSpecification asService() {
        return given().auth().oauth2(TrainpodTestResource.keys().serviceToken());
    }

    /** The lines joined with newlines, with a final newline. */
    static byte[] jsonl(String... lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Uploads the bytes as a raw body and returns the 201 answer. */
    static JsonPath upload(String user, byte[] content) {
        return as(user).contentType("application/x-ndjson").queryParam("name", "data.jsonl").body(content)
                .when().post("/api/v1/datasets")
                .then().statusCode(201).extract().jsonPath();
    }

    /** Uploads a valid SFT dataset for the user and returns its id. */
    static String uploadValid(String user) {
        return upload(user, jsonl(MESSAGES, MESSAGES)).getString("id");
    }

    /** Mints a download token through the internal API and returns the 201 answer. */
    static JsonPath mint(String user, String datasetId, UUID deploymentId, Integer ttlSeconds, Integer maxUses) {
        StringBuilder body = new StringBuilder("{\"userId\":\"" + user + "\",\"datasetId\":\"" + datasetId
                + "\",\"deploymentId\":\"" + deploymentId + "\"");
        if (ttlSeconds != null) {
            body.append(",\"ttlSeconds\":").append(ttlSeconds);
        }
        if (maxUses != null) {
            body.append(",\"maxUses\":").append(maxUses);
        }
        return asService().contentType("application/json").body(body.append('}').toString())
                .when().post("/internal/v1/download-tokens")
                .then().statusCode(201).extract().jsonPath();
    }

    /** The path part of a minted token's URL, to call on the test server. */
    static String downloadPath(JsonPath minted) {
        return "/api/v1/downloads/" + minted.getString("token");
    }

    /** A job token of the deployment, as deploy-service signs it. */
    static RequestSpecification asPod(UUID deployment) {
        return given().auth().oauth2(TrainpodTestResource.keys().jobToken(deployment));
    }

    /** Opens the deployment's grant for the user's dataset, as a first minted token does. */
    static void openGrant(String user, String datasetId, UUID deployment) {
        mint(user, datasetId, deployment, null, null);
    }

    /**
     * Sends a request that announces the whole body but sends only its first {@code sent} bytes, then drops the
     * connection, as a client that lost its network would.
     */
    static void sendCutShort(String method, String path, Map<String, String> headers, byte[] body, int sent)
            throws IOException {
        try (Socket socket = new Socket("localhost", io.restassured.RestAssured.port)) {
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Length: " + body.length + "\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, sent);
            out.flush();
        }
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Runs an update against the service's database and returns the affected row count. */
    static int execute(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement st = c.prepareStatement(sql)) {
            bind(st, params);
            return st.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of the first row of a query, or null when it has no rows. */
    static Object queryValue(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement st = c.prepareStatement(sql)) {
            bind(st, params);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getObject(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static long count(String sql, Object... params) {
        return ((Number) queryValue(sql, params)).longValue();
    }

    /** Publishes the event to the real broker as deploy- or metrics-service would. */
    static void publish(LifecycleEvent event) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(EventCodec.toRecord(LifecycleEvent.TOPIC, UUID.randomUUID(), "/trainpod/test",
                    Instant.now(), event.type(), event.deploymentId().toString(), EventCodec.toJson(event)));
        }
    }

    /** The records of that type for the deployment on the lifecycle topic, read until {@code settle} after the first. */
    static List<ConsumerRecord<String, String>> eventsOn(UUID deploymentId, String ceType, Duration settle) {
        return eventsOn(LifecycleEvent.TOPIC, deploymentId.toString(), ceType, settle);
    }

    /** The records of that type and key on the topic, read until {@code settle} after the first. */
    static List<ConsumerRecord<String, String>> eventsOn(String topic, String key, String ceType, Duration settle) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            Instant deadline = Instant.now().plusSeconds(30);
            while (Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(250)).forEach(r -> {
                    var type = r.headers().lastHeader(EventCodec.CE_TYPE);
                    if (key.equals(r.key()) && type != null
                            && ceType.equals(new String(type.value(), StandardCharsets.UTF_8))) {
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

    private static Connection connect() throws SQLException {
        SharedPostgres.Server pg = SharedPostgres.server();
        return DriverManager.getConnection(pg.jdbcUrl(DATABASE), pg.user(), pg.password());
    }

    private static void bind(PreparedStatement st, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            st.setObject(i + 1, params[i]);
        }
    }
}
