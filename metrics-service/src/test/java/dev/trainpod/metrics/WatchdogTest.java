package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.count;
import static dev.trainpod.metrics.Fixtures.eventsOn;
import static dev.trainpod.metrics.Fixtures.execute;
import static dev.trainpod.metrics.Fixtures.jobToken;
import static dev.trainpod.metrics.Fixtures.requestJob;
import static dev.trainpod.metrics.Fixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import dev.trainpod.common.event.PodStarted;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watchdog (every second in tests, heartbeat timeout 10 minutes, idleMinutes 15 from the requested
 * deployment): instead of waiting, each test moves a job's clocks into the past. Jobs that must be left alone
 * are set up before the job that must fail, so the sweep that fails it has judged them too. The watchdog's own
 * clock is moved back a day as well, as if it had been sweeping without a gap all along.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class WatchdogTest {

    @BeforeEach
    void watchdogHasBeenWatchingForADay() {
        execute("UPDATE watchdog_clock SET watching_since = now() - interval '1 day'");
    }

    @Test
    void silentPodFailsOnceWithHeartbeatLostWhileHealthyAndSilentFromTheStartJobsAreLeftAlone() {
        UUID healthy = requestJob("alice", 100);
        status(healthy, "TRAINING");
        execute("UPDATE jobs SET last_heartbeat_at = now() - interval '9 minutes' WHERE deployment_id = ?", healthy);
        UUID neverReported = requestJob("alice", 100);
        UUID silent = requestJob("alice", 100);
        status(silent, "TRAINING");
        points(silent, 42);

        execute("UPDATE jobs SET last_heartbeat_at = now() - interval '11 minutes' WHERE deployment_id = ?", silent);

        List<ConsumerRecord<String, String>> events = eventsOn(silent, "TrainingFailed", Duration.ofSeconds(3));
        assertThat(events).hasSize(1);
        JsonPath event = JsonPath.from(events.get(0).value());
        assertThat(event.getString("reason")).isEqualTo("FAILED_HEARTBEAT_LOST");
        assertThat(event.getString("message")).contains("No heartbeat");
        assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", silent.toString()))
                .isEqualTo(1);
        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/" + silent + "/progress")
                .then().statusCode(200).body("status", equalTo("FAILED"))
                .body("reason", equalTo("FAILED_HEARTBEAT_LOST")).body("step", equalTo(42));

        for (UUID untouched : List.of(healthy, neverReported)) {
            assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", untouched.toString()))
                    .isZero();
            assertThat(Fixtures.text("SELECT status FROM jobs WHERE deployment_id = ?", untouched))
                    .isEqualTo("ACTIVE");
        }
    }

    @Test
    void stalledTrainingFailsOnceWithIdleWhileAdvancingAndDownloadingJobsAreLeftAlone() {
        UUID advancing = requestJob("alice", 100);
        status(advancing, "TRAINING");
        points(advancing, 7);
        execute("UPDATE jobs SET training_started_at = now() - interval '2 hours' WHERE deployment_id = ?",
                advancing);
        UUID downloading = requestJob("alice", 100);
        status(downloading, "DOWNLOADING");
        execute("UPDATE jobs SET step_advanced_at = now() - interval '1 hour' WHERE deployment_id = ?", downloading);
        UUID stalled = requestJob("alice", 100);
        status(stalled, "TRAINING");
        points(stalled, 120);

        // still heartbeating (the status call just now), but the step last moved 16 minutes ago
        execute("UPDATE jobs SET training_started_at = now() - interval '30 minutes',"
                + " step_advanced_at = now() - interval '16 minutes' WHERE deployment_id = ?", stalled);

        List<ConsumerRecord<String, String>> events = eventsOn(stalled, "TrainingFailed", Duration.ofSeconds(3));
        assertThat(events).hasSize(1);
        JsonPath event = JsonPath.from(events.get(0).value());
        assertThat(event.getString("reason")).isEqualTo("FAILED_IDLE");
        assertThat(event.getString("message")).contains("step 120").contains("15 minutes");
        for (UUID untouched : List.of(advancing, downloading)) {
            assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", untouched.toString()))
                    .isZero();
        }
    }

    @Test
    void silenceDuringTheWatchdogsOwnOutageIsNotHeldAgainstThePod() {
        UUID job = requestJob("alice", 100);
        status(job, "TRAINING");
        // metrics-service was down for 20 minutes: no sweep ran, and the pod's heartbeats could not arrive
        execute("UPDATE watchdog_clock SET last_sweep_at = now() - interval '20 minutes'");
        execute("UPDATE jobs SET last_heartbeat_at = now() - interval '21 minutes' WHERE deployment_id = ?", job);

        assertThat(eventsOn(job, "TrainingFailed", Duration.ofSeconds(3))).isEmpty();
        assertThat(Fixtures.text("SELECT status FROM jobs WHERE deployment_id = ?", job)).isEqualTo("ACTIVE");

        // back for longer than the timeout, and the pod is still silent: now it is lost
        execute("UPDATE watchdog_clock SET watching_since = now() - interval '11 minutes'");
        List<ConsumerRecord<String, String>> events = eventsOn(job, "TrainingFailed", Duration.ofSeconds(3));
        assertThat(events).hasSize(1);
        assertThat(JsonPath.from(events.get(0).value()).getString("reason")).isEqualTo("FAILED_HEARTBEAT_LOST");
    }

    @Test
    void aPodThatReplacesALostOneReopensTheJobTheSilenceFailedAndItsSuccessIsTheJobs() {
        UUID job = requestJob("alice", 100);
        Fixtures.publish(new PodStarted(job, "pod-lost", "NVIDIA RTX A4000", 1, "SECURE", new BigDecimal("0.17")));
        status(job, "TRAINING");
        points(job, 10);
        execute("UPDATE jobs SET last_heartbeat_at = now() - interval '11 minutes' WHERE deployment_id = ?", job);
        assertThat(eventsOn(job, "TrainingFailed", Duration.ofSeconds(3))).hasSize(1);

        // deploy-service recovered the deployment on a new pod
        Fixtures.publish(new PodStarted(job, "pod-new", "NVIDIA RTX A4000", 1, "SECURE", new BigDecimal("0.17")));
        org.awaitility.Awaitility.await("the job reopened").atMost(Duration.ofSeconds(30)).until(() -> "ACTIVE"
                .equals(Fixtures.text("SELECT status FROM jobs WHERE deployment_id = ?", job)));
        assertThat(Fixtures.text("SELECT coalesce(last_heartbeat_at::text, 'none') FROM jobs WHERE deployment_id = ?",
                job)).as("the lost pod's silence is not held against the new one").isEqualTo("none");
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON)
                .body(Map.of("phase", "SUCCEEDED", "message", "done"))
                .when().post("/api/v1/jobs/" + job + "/status").then().statusCode(202);
        assertThat(eventsOn(job, "TrainingSucceeded", Duration.ofSeconds(3))).hasSize(1);
    }

    @Test
    void aPodThatReportsAfterTheWatchdogFailedItLearnsItsJobFailed() {
        UUID job = requestJob("alice", 100);
        status(job, "TRAINING");
        execute("UPDATE jobs SET last_heartbeat_at = now() - interval '1 hour' WHERE deployment_id = ?", job);
        assertThat(eventsOn(job, "TrainingFailed", Duration.ZERO)).hasSize(1);

        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(Map.of("phase", "TRAINING"))
                .when().post("/api/v1/jobs/" + job + "/status")
                .then().statusCode(202).body("status", equalTo("FAILED"));
        assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", job.toString())).isEqualTo(1);
    }

    private static void status(UUID job, String phase) {
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(Map.of("phase", phase))
                .when().post("/api/v1/jobs/" + job + "/status").then().statusCode(202);
    }

    private static void points(UUID job, int step) {
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON)
                .body("{\"points\":[{\"step\":" + step + ",\"loss\":1.5}]}")
                .when().post("/api/v1/jobs/" + job + "/metrics").then().statusCode(202);
    }
}
