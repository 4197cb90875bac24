package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.count;
import static dev.trainpod.metrics.Fixtures.eventsOn;
import static dev.trainpod.metrics.Fixtures.execute;
import static dev.trainpod.metrics.Fixtures.jobToken;
import static dev.trainpod.metrics.Fixtures.requestJob;
import static dev.trainpod.metrics.Fixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.event.ArtifactsStored;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a job whose artifacts are stored ({@code ArtifactsStored} from dataset-service) is never failed by the
 * watchdog. Its pod going silent before its final report ends it as succeeded; a stalled step cannot fail it.
 * As in {@link WatchdogTest}, clocks are moved into the past instead of waiting.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class ArtifactsStoredWatchdogTest {

    @BeforeEach
    void watchdogHasBeenWatchingForADay() {
        execute("UPDATE watchdog_clock SET watching_since = now() - interval '1 day'");
    }

    @Test
    void aSilentPodWhoseArtifactsAreStoredEndsSucceededNotHeartbeatLost() {
        UUID stored = requestJob("alice", 100);
        status(stored, "TRAINING");
        storeArtifacts(stored, 2);
        UUID notStored = requestJob("alice", 100);
        status(notStored, "TRAINING");

        // both pods died before their final report reached metrics-service (the UPLOADING report was lost too)
        execute("UPDATE jobs SET last_heartbeat_at = now() - interval '11 minutes' WHERE deployment_id IN (?, ?)",
                stored, notStored);

        List<ConsumerRecord<String, String>> succeeded = eventsOn(stored, "TrainingSucceeded", Duration.ofSeconds(2));
        assertThat(succeeded).hasSize(1);
        assertThat(JsonPath.from(succeeded.get(0).value()).getString("message"))
                .contains("2 artifact(s) were stored").contains("final report never came");
        assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", stored.toString()))
                .as("TrainingSucceeded alone, no TrainingFailed").isEqualTo(1);
        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/" + stored + "/progress")
                .then().statusCode(200).body("status", equalTo("SUCCEEDED"));
        // the control: the same silence without stored artifacts is a lost pod
        List<ConsumerRecord<String, String>> failed = eventsOn(notStored, "TrainingFailed", Duration.ZERO);
        assertThat(failed).hasSize(1);
        assertThat(JsonPath.from(failed.get(0).value()).getString("reason")).isEqualTo("FAILED_HEARTBEAT_LOST");
    }

    @Test
    void aStalledStepCannotFailAJobWhoseArtifactsAreStored() {
        UUID job = requestJob("alice", 100);
        status(job, "TRAINING");
        storeArtifacts(job, 1);
        // still heartbeating, phase still TRAINING (its UPLOADING report was lost), the step stood for an hour
        execute("UPDATE jobs SET training_started_at = now() - interval '2 hours',"
                + " step_advanced_at = now() - interval '1 hour' WHERE deployment_id = ?", job);
        UUID stalled = requestJob("alice", 100);
        status(stalled, "TRAINING");
        execute("UPDATE jobs SET training_started_at = now() - interval '2 hours',"
                + " step_advanced_at = now() - interval '1 hour' WHERE deployment_id = ?", stalled);

        assertThat(eventsOn(stalled, "TrainingFailed", Duration.ZERO)).hasSize(1);
        assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", job.toString())).isZero();
        assertThat(Fixtures.text("SELECT status FROM jobs WHERE deployment_id = ?", job)).isEqualTo("ACTIVE");

        // the final report that comes after all is the job's outcome, once
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON)
                .body(Map.of("phase", "SUCCEEDED", "message", "training finished"))
                .when().post("/api/v1/jobs/" + job + "/status").then().statusCode(202);
        assertThat(eventsOn(job, "TrainingSucceeded", Duration.ofSeconds(2))).hasSize(1);
    }

    private static void storeArtifacts(UUID job, int artifacts) {
        List<ArtifactsStored.Artifact> list = java.util.stream.IntStream.range(0, artifacts)
                .mapToObj(i -> new ArtifactsStored.Artifact(UUID.randomUUID(), "a" + i + ".bin", 10, "0".repeat(64)))
                .toList();
        Fixtures.publish(new ArtifactsStored(job, list, Instant.now()));
        await().atMost(Duration.ofSeconds(30)).until(() -> count(
                "SELECT count(*) FROM jobs WHERE deployment_id = ? AND artifacts_stored_at IS NOT NULL", job) == 1);
    }

    private static void status(UUID job, String phase) {
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(Map.of("phase", phase))
                .when().post("/api/v1/jobs/" + job + "/status").then().statusCode(202);
    }
}
