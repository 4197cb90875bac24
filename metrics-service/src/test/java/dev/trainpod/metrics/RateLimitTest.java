package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.count;
import static dev.trainpod.metrics.Fixtures.jobToken;
import static dev.trainpod.metrics.Fixtures.requestJob;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A pod that writes faster than its job's limit (in tests: bursts of 20, then one every 2 seconds) gets 429 with
 * Retry-After; what was accepted is stored, what was refused is not, and other jobs are not affected.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class RateLimitTest {

    @Test
    void writesBeyondTheBurstAreRefusedWithRetryAfter() {
        UUID job = requestJob("alice", 100);
        UUID neighbour = requestJob("alice", 100);
        int accepted = 0;
        List<Response> refused = new ArrayList<>();
        // however slow the machine, 200 writes in a row cannot stay under one every 2 seconds after 20
        for (int step = 0; step < 200 && refused.size() < 3; step++) {
            Response response = postStep(job, step);
            if (response.statusCode() == 202) {
                accepted++;
            } else {
                refused.add(response);
            }
        }

        assertThat(refused).isNotEmpty().allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.jsonPath().getString("type")).isEqualTo("https://trainpod.dev/problems/rate-limited");
            assertThat(Integer.parseInt(r.header("Retry-After"))).isPositive();
        });
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isEqualTo(accepted);
        postStep(neighbour, 0).then().statusCode(202);

        AtomicInteger step = new AtomicInteger(1000);
        await().atMost(Duration.ofSeconds(10)).until(() -> postStep(job, step.incrementAndGet()).statusCode() == 202);
    }

    private static Response postStep(UUID job, int step) {
        return given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON)
                .body("{\"points\":[{\"step\":" + step + ",\"loss\":1.0}]}")
                .when().post("/api/v1/jobs/" + job + "/metrics");
    }
}
