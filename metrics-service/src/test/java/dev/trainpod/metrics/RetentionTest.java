package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.count;
import static dev.trainpod.metrics.Fixtures.endDeployment;
import static dev.trainpod.metrics.Fixtures.execute;
import static dev.trainpod.metrics.Fixtures.jobToken;
import static dev.trainpod.metrics.Fixtures.requestJob;
import static dev.trainpod.metrics.Fixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Telemetry of deployments that ended more than the retention period (30 days) ago is deleted; the rest stays. */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class RetentionTest {

    @Test
    void telemetryOfJobsEndedLongAgoIsDeletedAndRecentOnesKeepTheirs() {
        UUID recent = jobWithTelemetry();
        endDeployment(recent, "SUCCEEDED", null);
        UUID old = jobWithTelemetry();
        endDeployment(old, "SUCCEEDED", null);

        execute("UPDATE jobs SET ended_at = now() - interval '31 days' WHERE deployment_id = ?", old);

        await().atMost(Duration.ofSeconds(30)).until(() ->
                count("SELECT count(*) FROM jobs WHERE deployment_id = ? AND telemetry_deleted_at IS NOT NULL", old)
                        == 1);
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", old)).isZero();
        assertThat(count("SELECT count(*) FROM log_lines WHERE deployment_id = ?", old)).isZero();
        assertThat(count("SELECT count(*) FROM phase_changes WHERE deployment_id = ?", old)).isZero();
        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/" + old + "/progress")
                .then().statusCode(200).body("status", equalTo("ENDED")).body("step", equalTo(2));

        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", recent)).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM log_lines WHERE deployment_id = ?", recent)).isEqualTo(1);
    }

    private static UUID jobWithTelemetry() {
        UUID job = requestJob("alice", 100);
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(Map.of("phase", "TRAINING"))
                .when().post("/api/v1/jobs/" + job + "/status").then().statusCode(202);
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON)
                .body("{\"points\":[{\"step\":1,\"loss\":2.0},{\"step\":2,\"loss\":1.9}]}")
                .when().post("/api/v1/jobs/" + job + "/metrics").then().statusCode(202);
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(Map.of("lines", new String[] {"x"}))
                .when().post("/api/v1/jobs/" + job + "/logs").then().statusCode(202);
        return job;
    }
}
