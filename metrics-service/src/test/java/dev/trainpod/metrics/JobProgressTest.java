package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.jobToken;
import static dev.trainpod.metrics.Fixtures.requestJob;
import static dev.trainpod.metrics.Fixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.trainpod.common.event.PodStarted;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What a job's owner reads back, and that nobody else can. */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class JobProgressTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void ownerSeesStepPercentLatestLossAndEta() {
        UUID job = requestJob("alice", 200);
        status(job, Map.of("phase", "TRAINING", "message", "training")).then().statusCode(202);
        // 50 steps, one every 2 seconds: 150 steps left at 0.5 steps/s is 300 s
        points(job, IntStream.rangeClosed(1, 50).mapToObj(s -> point(s, 3.0 - s / 100.0, s * 2L)).toList());

        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/" + job + "/progress")
                .then().statusCode(200)
                .body("deploymentId", equalTo(job.toString()))
                .body("phase", equalTo("TRAINING"))
                .body("status", equalTo("ACTIVE"))
                .body("step", equalTo(50))
                .body("totalSteps", equalTo(200))
                .body("percent", equalTo(25.0f))
                .body("loss", equalTo(2.5f))
                .body("tokensPerSecond", equalTo(1800.0f))
                .body("etaSeconds", equalTo(300))
                .body("lastHeartbeatAt", notNullValue());
    }

    @Test
    void progressBeforeAnyReportHasNoPercentWithoutTotalSteps() {
        UUID job = requestJob("alice", null);
        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/" + job + "/progress")
                .then().statusCode(200)
                .body("status", equalTo("ACTIVE"))
                .body("phase", nullValue())
                .body("percent", nullValue())
                .body("etaSeconds", nullValue())
                .body("lastHeartbeatAt", nullValue());
    }

    @Test
    void startedPodIsShownInProgress() {
        UUID job = requestJob("alice", 100);
        Fixtures.publish(new PodStarted(job, "pod-abc123", "NVIDIA RTX A4000", 1, "SECURE", new BigDecimal("0.17")));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(userToken("alice"))
                .when().get("/api/v1/jobs/" + job + "/progress")
                .then().statusCode(200).body("podId", equalTo("pod-abc123")).body("startedAt", notNullValue()));
    }

    @Test
    void anotherUsersJobIsNotFound() {
        UUID job = requestJob("alice", 100);
        for (String path : List.of("/progress", "/metrics", "/logs")) {
            given().auth().oauth2(userToken("mallory")).when().get("/api/v1/jobs/" + job + path)
                    .then().statusCode(404).contentType("application/problem+json");
        }
    }

    @Test
    void unknownAndMalformedJobIdsAreNotFound() {
        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/" + UUID.randomUUID() + "/progress")
                .then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/not-a-uuid/progress")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void jobTokenOnAUserEndpointIsForbidden() {
        UUID job = requestJob("alice", 100);
        given().auth().oauth2(jobToken(job)).when().get("/api/v1/jobs/" + job + "/progress")
                .then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void readingWithoutTokenIsUnauthorized() {
        UUID job = requestJob("alice", 100);
        given().when().get("/api/v1/jobs/" + job + "/metrics")
                .then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void metricSeriesComesInStepOrderFromSinceAndDownsampledToMaxPoints() {
        UUID job = requestJob("alice", 100);
        points(job, IntStream.rangeClosed(1, 100).map(s -> 101 - s).mapToObj(s -> point(s, 1.0, s)).toList());

        given().auth().oauth2(userToken("alice")).queryParam("since", 95)
                .when().get("/api/v1/jobs/" + job + "/metrics")
                .then().statusCode(200)
                .body("points.step", contains(96, 97, 98, 99, 100))
                .body("points[0].gpuMemoryMb", equalTo(8000))
                .body("points[0].time", equalTo("2025-01-01T00:01:36Z"))
                .body("downsampled", equalTo(false));
        given().auth().oauth2(userToken("alice")).queryParam("maxPoints", 10)
                .when().get("/api/v1/jobs/" + job + "/metrics")
                .then().statusCode(200)
                .body("points", hasSize(10))
                .body("points[0].step", equalTo(1))
                .body("points[9].step", equalTo(100))
                .body("downsampled", equalTo(true));
    }

    @Test
    void downsamplingKeepsTheSpikeTheDipTheMinAndTheMaxAndBothEnds() {
        UUID job = requestJob("alice", 1000);
        List<Map<String, Object>> series = IntStream.rangeClosed(1, 1000).mapToObj(s -> point(s,
                s == 537 ? 50.0 : s == 700 ? 0.001 : 2.0 - s / 1000.0, s)).toList();
        points(job, series);

        JsonPath body = given().auth().oauth2(userToken("alice")).queryParam("maxPoints", 20)
                .when().get("/api/v1/jobs/" + job + "/metrics")
                .then().statusCode(200).body("downsampled", equalTo(true))
                .extract().jsonPath();
        List<Integer> steps = body.getList("points.step", Integer.class);
        List<Float> losses = body.getList("points.loss", Float.class);
        assertThat(steps).hasSizeLessThanOrEqualTo(20).hasSizeGreaterThan(10)
                .isSorted().contains(1, 537, 700, 1000);
        assertThat(losses.get(steps.indexOf(537))).isEqualTo(50.0f);
        assertThat(losses.get(steps.indexOf(700))).isEqualTo(0.001f);
        assertThat(losses.stream().max(Float::compare)).contains(50.0f);
        assertThat(losses.stream().min(Float::compare)).contains(0.001f);
    }

    @Test
    void invalidQueryParametersAreBadRequests() {
        UUID job = requestJob("alice", 100);
        given().auth().oauth2(userToken("alice")).queryParam("maxPoints", 1)
                .when().get("/api/v1/jobs/" + job + "/metrics")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("maxPoints"));
        given().auth().oauth2(userToken("alice")).queryParam("tail", "ten")
                .when().get("/api/v1/jobs/" + job + "/logs")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("tail"));
    }

    private static Map<String, Object> point(int step, double loss, long secondsFromStart) {
        return Map.of("step", step, "loss", loss, "tokensPerSecond", 1800.0, "gpuMemoryMb", 8000,
                "time", START.plusSeconds(secondsFromStart).toString());
    }

    private static void points(UUID job, List<Map<String, Object>> points) {
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(Map.of("points", points))
                .when().post("/api/v1/jobs/" + job + "/metrics")
                .then().statusCode(202).body("accepted", equalTo(points.size()));
    }

    private static io.restassured.response.Response status(UUID job, Map<String, Object> body) {
        return given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(body)
                .when().post("/api/v1/jobs/" + job + "/status");
    }
}
