package dev.trainpod.common.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * One event's trace across the outbox and Kafka: the HTTP request that commits the outbox row, the relay's
 * producer span and the consumer's span are one trace, each the parent of the next, on a real PostgreSQL and Kafka.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "common_test"))
class TracingTest {

    private static final AttributeKey<String> DEPLOYMENT = AttributeKey.stringKey("trainpod.deployment.id");

    @Inject
    InMemorySpanExporter exporter;

    @Test
    void requestOutboxRelayAndConsumerAreOneTrace() {
        UUID deployment = UUID.randomUUID();
        given().post("/test/outbox/" + deployment).then().statusCode(204);

        SpanData consumer = await().atMost(Duration.ofSeconds(30))
                .until(() -> span(SpanKind.CONSUMER, deployment), Optional::isPresent).get();
        SpanData producer = span(SpanKind.PRODUCER, deployment).orElseThrow();
        String traceId = producer.getTraceId();
        SpanData request = await().atMost(Duration.ofSeconds(10)).until(() -> exporter.getFinishedSpanItems()
                .stream().filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(traceId))
                .findFirst(), Optional::isPresent).get();

        assertThat(request.getName()).contains("/test/outbox");
        assertThat(producer.getParentSpanId()).isEqualTo(request.getSpanId());
        assertThat(consumer.getTraceId()).isEqualTo(traceId);
        assertThat(consumer.getParentSpanId()).isEqualTo(producer.getSpanId());
        assertThat(consumer.getName()).isEqualTo("deployment-lifecycle process");
        assertThat(producer.getName()).isEqualTo("deployment-lifecycle publish");
        // The row keeps the traceparent of the transaction that wrote it (W3C: 00-<trace>-<span>-<flags>).
        assertThat(outboxTraceparent(deployment)).isEqualTo("00-" + traceId + "-" + request.getSpanId() + "-01");
    }

    private Optional<SpanData> span(SpanKind kind, UUID deployment) {
        List<SpanData> spans = exporter.getFinishedSpanItems();
        return spans.stream().filter(s -> s.getKind() == kind
                && deployment.toString().equals(s.getAttributes().get(DEPLOYMENT))).findFirst();
    }

    private static String outboxTraceparent(UUID deployment) {
        SharedPostgres.Server pg = SharedPostgres.server();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("common_test"), pg.user(), pg.password());
             PreparedStatement st = c.prepareStatement("SELECT traceparent FROM outbox_event WHERE aggregate_id = ?")) {
            st.setString(1, deployment.toString());
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
