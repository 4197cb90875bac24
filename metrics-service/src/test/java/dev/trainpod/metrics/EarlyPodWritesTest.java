package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.count;
import static dev.trainpod.metrics.Fixtures.eventsOn;
import static dev.trainpod.metrics.Fixtures.publish;
import static dev.trainpod.metrics.Fixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A pod that writes before metrics-service has consumed its DeploymentRequested (Kafka slow or down while the pod
 * already runs): the job token names the deployment and its owner, so nothing the pod sends is refused or lost.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class EarlyPodWritesTest {

    @Test
    void writesBeforeTheRequestedEventAreKeptAndTheOutcomeIsPublishedOnce() {
        UUID job = UUID.randomUUID();
        String token = TrainpodTestResource.keys().jobToken(job, "alice");

        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("phase", "TRAINING"))
                .when().post("/api/v1/jobs/" + job + "/status").then().statusCode(202);
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"points\":[{\"step\":1,\"loss\":2.0},{\"step\":2,\"loss\":1.9}]}")
                .when().post("/api/v1/jobs/" + job + "/metrics").then().statusCode(202).body("accepted", equalTo(2));
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"lines\":[\"step 2\"]}")
                .when().post("/api/v1/jobs/" + job + "/logs").then().statusCode(202);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("phase", "SUCCEEDED"))
                .when().post("/api/v1/jobs/" + job + "/status").then().statusCode(202)
                .body("status", equalTo("SUCCEEDED"));

        assertThat(eventsOn(job, "TrainingSucceeded", Duration.ofSeconds(1))).hasSize(1);
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isEqualTo(2);
        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/" + job + "/progress")
                .then().statusCode(200).body("step", equalTo(2));
        given().auth().oauth2(userToken("bob")).when().get("/api/v1/jobs/" + job + "/progress")
                .then().statusCode(404);

        // The event arrives late: it fills in what the token does not carry and changes nothing else.
        publish(new DeploymentRequested(job, "alice", UUID.randomUUID(), "Qwen/Qwen2.5-0.5B", "SFT",
                List.of("NVIDIA RTX A4000"), 60, new BigDecimal("5.00"), 15, 40));
        await().atMost(Duration.ofSeconds(30)).until(() -> count(
                "SELECT count(*) FROM jobs WHERE deployment_id = ? AND total_steps = 40 AND idle_minutes = 15"
                        + " AND status = 'SUCCEEDED'", job) == 1);
        assertThat(count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", job.toString())).isEqualTo(1);
    }

    @Test
    void aTokenThatNamesNoOwnerStillFindsNoJob() {
        UUID job = UUID.randomUUID();
        given().auth().oauth2(TrainpodTestResource.keys().jobToken(job)).contentType(ContentType.JSON)
                .body("{\"points\":[{\"step\":1,\"loss\":2.0}]}")
                .when().post("/api/v1/jobs/" + job + "/metrics").then().statusCode(404);
        assertThat(count("SELECT count(*) FROM jobs WHERE deployment_id = ?", job)).isZero();
    }
}
