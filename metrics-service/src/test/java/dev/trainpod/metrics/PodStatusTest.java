package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.count;
import static dev.trainpod.metrics.Fixtures.eventsOn;
import static dev.trainpod.metrics.Fixtures.jobToken;
import static dev.trainpod.metrics.Fixtures.requestJob;
import static dev.trainpod.metrics.Fixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** A pod's status reports: heartbeats, phases, and the outcome events they publish on the real topic. */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class PodStatusTest {

    @Test
    void failureDuringTrainingEmitsOneTrainingFailedWithExitCodeAndLogTail() {
        UUID job = requestJob("alice", 100);
        status(job, Map.of("phase", "TRAINING", "message", "training started")).then().statusCode(202);
        String logTail = "Traceback (most recent call last):\nRuntimeError: CUDA out of memory";
        Map<String, Object> failure = Map.of("phase", "FAILED", "message", "trainer exited with 137",
                "exitCode", 137, "logTail", logTail);

        status(job, failure).then().statusCode(202).body("status", equalTo("FAILED"));
        status(job, failure).then().statusCode(202).body("status", equalTo("FAILED"));

        List<ConsumerRecord<String, String>> events = eventsOn(job, "TrainingFailed", Duration.ofSeconds(2));
        assertThat(events).hasSize(1);
        JsonPath event = JsonPath.from(events.get(0).value());
        assertThat(event.getString("reason")).isEqualTo("FAILED_TRAINING");
        assertThat(event.getInt("exitCode")).isEqualTo(137);
        assertThat(event.getString("logTail")).isEqualTo(logTail);
        assertThat(event.getString("message")).isEqualTo("trainer exited with 137");
        assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", job.toString())).isEqualTo(1);
    }

    @Test
    void failureWhileDownloadingIsADatasetFailure() {
        UUID job = requestJob("alice", 100);
        status(job, Map.of("phase", "FAILED", "message", "dataset download refused: HTTP 403", "exitCode", 3,
                "failedPhase", "DOWNLOADING")).then().statusCode(202);

        List<ConsumerRecord<String, String>> events = eventsOn(job, "TrainingFailed", Duration.ZERO);
        assertThat(events).hasSize(1);
        assertThat(JsonPath.from(events.get(0).value()).getString("reason")).isEqualTo("FAILED_DATASET");
    }

    @Test
    void failureWithoutFailedPhaseIsJudgedByTheLastReportedPhase() {
        UUID job = requestJob("alice", 100);
        status(job, Map.of("phase", "DOWNLOADING", "message", "fetching dataset")).then().statusCode(202);
        status(job, Map.of("phase", "FAILED", "message", "checksum mismatch", "exitCode", 4))
                .then().statusCode(202);

        List<ConsumerRecord<String, String>> events = eventsOn(job, "TrainingFailed", Duration.ZERO);
        assertThat(events).hasSize(1);
        assertThat(JsonPath.from(events.get(0).value()).getString("reason")).isEqualTo("FAILED_DATASET");
    }

    @Test
    void successEmitsOneTrainingSucceededAndNoLaterFailure() {
        UUID job = requestJob("alice", 100);
        status(job, Map.of("phase", "UPLOADING", "message", "uploading adapter")).then().statusCode(202);
        status(job, Map.of("phase", "SUCCEEDED", "message", "artifacts stored")).then().statusCode(202)
                .body("status", equalTo("SUCCEEDED")).body("phase", equalTo("SUCCEEDED"));
        status(job, Map.of("phase", "FAILED", "message", "late", "exitCode", 1)).then().statusCode(202)
                .body("status", equalTo("SUCCEEDED"));

        List<ConsumerRecord<String, String>> events = eventsOn(job, "TrainingSucceeded", Duration.ofSeconds(1));
        assertThat(events).hasSize(1);
        assertThat(JsonPath.from(events.get(0).value()).getString("message")).isEqualTo("artifacts stored");
        assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND type = 'TrainingFailed'",
                job.toString())).isZero();
    }

    @Test
    void aSuccessCarriesTheBestEvalLossTheRunReported() {
        UUID job = requestJob("alice", 100);
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON)
                .body("{\"points\":[{\"step\":10,\"loss\":2.0,\"evalLoss\":1.8},{\"step\":20,\"loss\":1.5,"
                        + "\"evalLoss\":1.25},{\"step\":30,\"loss\":1.2,\"evalLoss\":1.4},{\"step\":31,\"loss\":1.1}]}")
                .when().post("/api/v1/jobs/" + job + "/metrics").then().statusCode(202);
        status(job, Map.of("phase", "SUCCEEDED", "message", "early stopped")).then().statusCode(202);

        List<ConsumerRecord<String, String>> events = eventsOn(job, "TrainingSucceeded", Duration.ofSeconds(1));
        assertThat(events).hasSize(1);
        assertThat(JsonPath.from(events.get(0).value()).getDouble("bestEvalLoss")).isEqualTo(1.25);

        UUID plain = requestJob("alice", 100);
        status(plain, Map.of("phase", "SUCCEEDED", "message", "done")).then().statusCode(202);
        assertThat(JsonPath.from(eventsOn(plain, "TrainingSucceeded", Duration.ofSeconds(1)).get(0).value())
                .getString("bestEvalLoss")).isNull();
    }

    @Test
    void afterAFailurePublishedByDeployServiceThePodsOwnFailureEmitsNothing() {
        UUID job = requestJob("alice", 100);
        Fixtures.publish(new TrainingFailed(job, "FAILED_BUDGET", "budget of 5.00 USD reached", null, null));
        await().atMost(Duration.ofSeconds(30)).until(() -> "FAILED".equals(
                Fixtures.text("SELECT status FROM jobs WHERE deployment_id = ?", job)));

        status(job, Map.of("phase", "FAILED", "message", "killed", "exitCode", 143)).then().statusCode(202)
                .body("status", equalTo("FAILED"));

        assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", job.toString())).isZero();
        assertThat(Fixtures.text("SELECT failure_reason FROM jobs WHERE deployment_id = ?", job))
                .isEqualTo("FAILED_BUDGET");
    }

    @Test
    void longLogTailKeepsItsLast64KiB() {
        UUID job = requestJob("alice", 100);
        String logTail = "é".repeat(40_000) + "\nthe last line";

        status(job, Map.of("phase", "FAILED", "message", "crash", "exitCode", 1, "failedPhase", "TRAINING",
                "logTail", logTail)).then().statusCode(202);

        List<ConsumerRecord<String, String>> events = eventsOn(job, "TrainingFailed", Duration.ZERO);
        String kept = JsonPath.from(events.get(0).value()).getString("logTail");
        assertThat(kept.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(65536).isGreaterThan(65000);
        assertThat(logTail).endsWith(kept);
        assertThat(kept).endsWith("\nthe last line").startsWith("é");
    }

    @Test
    void everyStatusCallIsAHeartbeatThatRecordsStepAndTotal() {
        UUID job = requestJob("alice", null);
        status(job, Map.of("phase", "TRAINING", "message", "heartbeat", "step", 7, "totalSteps", 50))
                .then().statusCode(202).body("phase", equalTo("TRAINING")).body("status", equalTo("ACTIVE"));

        assertThat(count("SELECT count(*) FROM jobs WHERE deployment_id = ? AND last_heartbeat_at IS NOT NULL"
                + " AND last_step = 7 AND total_steps = 50 AND phase = 'TRAINING'", job)).isEqualTo(1);
    }

    @Test
    void unknownPhaseIsABadRequest() {
        UUID job = requestJob("alice", 100);
        status(job, Map.of("phase", "EXPLODING")).then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("phase"))
                .body("errors[0].code", equalTo("UNKNOWN_PHASE"));
    }

    @Test
    void jobTokenOfAnotherDeploymentIsForbidden() {
        UUID job = requestJob("alice", 100);
        UUID other = requestJob("alice", 100);
        given().auth().oauth2(jobToken(other)).contentType(ContentType.JSON)
                .body(Map.of("phase", "FAILED", "message", "forged"))
                .when().post("/api/v1/jobs/" + job + "/status")
                .then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("https://trainpod.dev/problems/wrong-job"));
        assertThat(count("SELECT count(*) FROM jobs WHERE deployment_id = ? AND status = 'ACTIVE'", job))
                .isEqualTo(1);
    }

    @Test
    void jobTokenSignedWithTheIdentityProvidersKeyIsForbidden() {
        UUID job = requestJob("alice", 100);
        String forged = dev.trainpod.common.testing.TrainpodTestResource.keys().forgedJobToken(job);
        given().auth().oauth2(forged).contentType(ContentType.JSON)
                .body(Map.of("phase", "FAILED", "message", "forged"))
                .when().post("/api/v1/jobs/" + job + "/status")
                .then().statusCode(403).contentType("application/problem+json");
        assertThat(count("SELECT count(*) FROM jobs WHERE deployment_id = ? AND status = 'ACTIVE'", job))
                .isEqualTo(1);
    }

    @Test
    void userTokenOnAPodEndpointIsForbidden() {
        UUID job = requestJob("alice", 100);
        given().auth().oauth2(userToken("alice")).contentType(ContentType.JSON)
                .body(Map.of("phase", "TRAINING"))
                .when().post("/api/v1/jobs/" + job + "/status")
                .then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void callWithoutTokenIsUnauthorized() {
        UUID job = requestJob("alice", 100);
        given().contentType(ContentType.JSON).body(Map.of("phase", "TRAINING"))
                .when().post("/api/v1/jobs/" + job + "/status")
                .then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer");
    }

    @Test
    void unknownJobIsNotFound() {
        UUID never = UUID.randomUUID();
        given().auth().oauth2(jobToken(never)).contentType(ContentType.JSON).body(Map.of("phase", "TRAINING"))
                .when().post("/api/v1/jobs/" + never + "/status")
                .then().statusCode(404).contentType("application/problem+json");
    }

    private static io.restassured.response.Response status(UUID job, Map<String, Object> body) {
        return given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(body)
                .when().post("/api/v1/jobs/" + job + "/status");
    }
}
