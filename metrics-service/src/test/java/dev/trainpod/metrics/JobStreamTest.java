package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.endDeployment;
import static dev.trainpod.metrics.Fixtures.jobToken;
import static dev.trainpod.metrics.Fixtures.requestJob;
import static dev.trainpod.metrics.Fixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import dev.trainpod.common.event.CheckpointStored;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The live stream, read with a real HTTP client: points, log lines and phases, several readers, resumption. */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class JobStreamTest {

    @TestHTTPResource("/api/v1/jobs/")
    URI jobs;

    @Test
    void streamDeliversStoredAndLiveEventsToEverySubscriberAndResumesAfterLastEventId() throws Exception {
        UUID job = requestJob("alice", 100);
        status(job, "TRAINING");
        points(job, 1, 2);
        logs(job, "hello");

        List<SseClient.Event> seen = new ArrayList<>();
        try (SseClient first = open(job, null); SseClient second = open(job, null)) {
            for (SseClient client : List.of(first, second)) {
                List<SseClient.Event> stored = next(client, 4);
                assertThat(stored).extracting(SseClient.Event::name).containsExactly("phase", "metric", "metric", "log");
                assertThat(stored.get(0).json().getString("phase")).isEqualTo("TRAINING");
                assertThat(stored.get(1).json().getInt("step")).isEqualTo(1);
                assertThat(stored.get(2).json().getInt("step")).isEqualTo(2);
                assertThat(stored.get(3).json().getString("line")).isEqualTo("hello");
                assertThat(stored).extracting(e -> Long.parseLong(e.id())).isSorted().doesNotHaveDuplicates();
                if (seen.isEmpty()) {
                    seen.addAll(stored);
                }
            }

            points(job, 3, 4);
            for (SseClient client : List.of(first, second)) {
                List<SseClient.Event> live = next(client, 2);
                assertThat(live).extracting(e -> e.json().getInt("step")).containsExactly(3, 4);
                assertThat(Long.parseLong(live.get(0).id())).isGreaterThan(Long.parseLong(seen.get(3).id()));
            }
        }

        logs(job, "after the disconnect");
        String afterStep2 = seen.get(2).id();
        try (SseClient resumed = open(job, afterStep2)) {
            List<SseClient.Event> replayed = next(resumed, 4);
            assertThat(replayed).extracting(SseClient.Event::name).containsExactly("log", "metric", "metric", "log");
            assertThat(replayed.get(0).json().getString("line")).isEqualTo("hello");
            assertThat(replayed.get(1).json().getInt("step")).isEqualTo(3);
            assertThat(replayed.get(3).json().getString("line")).isEqualTo("after the disconnect");

            endDeployment(job, "SUCCEEDED", null);
            SseClient.Event ended = resumed.next();
            assertThat(ended.name()).isEqualTo("phase");
            assertThat(ended.json().getString("status")).isEqualTo("ENDED");
            resumed.awaitEnd();
        }
    }

    @Test
    void aStoredCheckpointIsInTheProgressAndTheStreamAndALateOneMovesNothingBack() throws Exception {
        UUID job = requestJob("alice", 100);
        status(job, "TRAINING");
        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/" + job + "/progress")
                .then().statusCode(200).body("lastCheckpointStep", equalTo(null));
        Instant at = Instant.parse("2026-12-06T14:00:00Z");
        Fixtures.publish(new CheckpointStored(job, 8, "checkpoint-8.tar", at));
        Fixtures.publish(new CheckpointStored(job, 12, "checkpoint-12.tar", at.plusSeconds(30)));
        Fixtures.publish(new CheckpointStored(job, 8, "checkpoint-8.tar", at)); // a late repeat

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(userToken("alice"))
                .when().get("/api/v1/jobs/" + job + "/progress").then().statusCode(200)
                .body("lastCheckpointStep", equalTo(12))
                .body("lastCheckpointAt", equalTo("2026-12-06T14:00:30Z"))
                .body("lastCheckpointAgeSeconds", greaterThanOrEqualTo(0)));
        try (SseClient client = open(job, null)) {
            List<SseClient.Event> events = next(client, 3);
            assertThat(events).extracting(SseClient.Event::name).containsExactly("phase", "checkpoint", "checkpoint");
            assertThat(events.subList(1, 3)).extracting(e -> e.json().getInt("step")).containsExactly(8, 12);
            assertThat(events.get(2).json().getString("storedAt")).isEqualTo("2026-12-06T14:00:30Z");
        }
    }

    @Test
    void anotherUsersStreamIsNotFoundAndAJobTokenMayNotRead() {
        UUID job = requestJob("alice", 100);
        given().auth().oauth2(userToken("mallory")).when().get("/api/v1/jobs/" + job + "/stream")
                .then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(jobToken(job)).when().get("/api/v1/jobs/" + job + "/stream")
                .then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void malformedLastEventIdIsABadRequest() {
        UUID job = requestJob("alice", 100);
        given().auth().oauth2(userToken("alice")).header("Last-Event-ID", "yesterday")
                .when().get("/api/v1/jobs/" + job + "/stream")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("Last-Event-ID"));
    }

    private SseClient open(UUID job, String lastEventId) throws Exception {
        return new SseClient(jobs.resolve(job + "/stream"), userToken("alice"), lastEventId);
    }

    private static List<SseClient.Event> next(SseClient client, int count) throws InterruptedException {
        List<SseClient.Event> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(client.next());
        }
        return events;
    }

    private static void status(UUID job, String phase) {
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(Map.of("phase", phase))
                .when().post("/api/v1/jobs/" + job + "/status").then().statusCode(202);
    }

    private static void points(UUID job, int... steps) {
        StringBuilder body = new StringBuilder("{\"points\":[");
        for (int i = 0; i < steps.length; i++) {
            body.append(i == 0 ? "" : ",").append("{\"step\":").append(steps[i]).append(",\"loss\":1.0}");
        }
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(body.append("]}").toString())
                .when().post("/api/v1/jobs/" + job + "/metrics").then().statusCode(202);
    }

    private static void logs(UUID job, String line) {
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(Map.of("lines", List.of(line)))
                .when().post("/api/v1/jobs/" + job + "/logs").then().statusCode(202);
    }
}
