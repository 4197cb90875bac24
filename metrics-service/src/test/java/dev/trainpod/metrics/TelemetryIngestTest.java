package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.count;
import static dev.trainpod.metrics.Fixtures.endDeployment;
import static dev.trainpod.metrics.Fixtures.execute;
import static dev.trainpod.metrics.Fixtures.jobToken;
import static dev.trainpod.metrics.Fixtures.requestJob;
import static dev.trainpod.metrics.Fixtures.text;
import static dev.trainpod.metrics.Fixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.trainpod.common.testing.Scrape;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A pod's metric points and log lines: stored once, validated, capped, and refused once the deployment ended. */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class TelemetryIngestTest {

    @Test
    void metricsBatchIsStoredAndARetriedBatchAddsNothingTwice() {
        UUID job = requestJob("alice", 100);
        String batch = """
                {"points":[
                  {"step":1,"epoch":0.01,"loss":2.5,"learningRate":0.0002,"gradNorm":1.4,"tokensPerSecond":1800.5,
                   "gpuMemoryMb":10240,"time":"2025-01-01T00:00:01.000Z"},
                  {"step":2,"loss":2.4,"time":"2025-01-01T00:00:02Z"},
                  {"step":3,"loss":2.3}
                ]}""";

        metrics(job, batch).then().statusCode(202).body("accepted", equalTo(3)).body("duplicates", equalTo(0));
        metrics(job, batch).then().statusCode(202).body("accepted", equalTo(0)).body("duplicates", equalTo(3));

        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ? AND step = 1 AND loss = 2.5"
                + " AND learning_rate = 0.0002 AND grad_norm = 1.4 AND tokens_per_second = 1800.5"
                + " AND (extra->>'gpuMemoryMb')::int = 10240", job)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM jobs WHERE deployment_id = ? AND last_step = 3"
                + " AND last_heartbeat_at IS NOT NULL", job)).isEqualTo(1);
    }

    /**
     * The heartbeat is written only when the stored one is older than a second, or the step moved: a retried
     * batch within the second leaves the row as it was; one after it (or with a new step) writes it again.
     */
    @Test
    void aHeartbeatYoungerThanASecondIsNotWrittenAgainUnlessTheStepMoves() {
        UUID job = requestJob("alice", 100);
        String batch = "{\"points\":[{\"step\":1,\"loss\":2.0}]}";
        metrics(job, batch).then().statusCode(202).body("accepted", equalTo(1));
        execute("UPDATE jobs SET last_heartbeat_at = now() - interval '200 milliseconds' WHERE deployment_id = ?", job);
        String stored = text("SELECT last_heartbeat_at::text FROM jobs WHERE deployment_id = ?", job);

        metrics(job, batch).then().statusCode(202).body("duplicates", equalTo(1));
        assertThat(text("SELECT last_heartbeat_at::text FROM jobs WHERE deployment_id = ?", job)).isEqualTo(stored);

        metrics(job, "{\"points\":[{\"step\":2,\"loss\":1.9}]}").then().statusCode(202);
        assertThat(count("SELECT count(*) FROM jobs WHERE deployment_id = ? AND last_step = 2"
                + " AND last_heartbeat_at > ?::timestamptz", job, stored)).isEqualTo(1); // the step moved: written

        execute("UPDATE jobs SET last_heartbeat_at = now() - interval '2 seconds' WHERE deployment_id = ?", job);
        String old = text("SELECT last_heartbeat_at::text FROM jobs WHERE deployment_id = ?", job);
        metrics(job, batch).then().statusCode(202).body("duplicates", equalTo(1));
        assertThat(count("SELECT count(*) FROM jobs WHERE deployment_id = ? AND last_step = 2"
                + " AND last_heartbeat_at > ?::timestamptz", job, old)).isEqualTo(1); // older than a second: written
    }

    /**
     * Group commit: batches of many jobs sent at once share transactions, yet each request is answered for its own
     * batch only after it is stored, and a batch for an ended job is refused without failing the others.
     */
    @Test
    void concurrentBatchesAreEachStoredOnceAndAnEndedJobFailsOnlyItsOwn() throws Exception {
        List<UUID> live = IntStream.range(0, 12).mapToObj(i -> requestJob("alice", 100)).toList();
        UUID ended = requestJob("alice", 100);
        endDeployment(ended, "SUCCEEDED", null);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(13);
        try {
            List<java.util.concurrent.Future<Response>> sent = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                int first = round * 10;
                String batch = "{\"points\":[" + String.join(",", IntStream.range(first, first + 10)
                        .mapToObj(s -> "{\"step\":" + s + ",\"loss\":1.5}").toList()) + "]}";
                for (UUID job : live) {
                    sent.add(pool.submit(() -> metrics(job, batch)));
                }
                sent.add(pool.submit(() -> metrics(ended, batch)));
            }
            int refused = 0;
            for (java.util.concurrent.Future<Response> f : sent) {
                Response r = f.get();
                if (r.statusCode() == 409) {
                    refused++;
                } else {
                    assertThat(r.statusCode()).as(r.asString()).isEqualTo(202);
                    assertThat(r.jsonPath().getInt("accepted")).isEqualTo(10);
                }
            }
            assertThat(refused).isEqualTo(3);
        } finally {
            pool.shutdown();
        }
        for (UUID job : live) {
            assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isEqualTo(30);
            assertThat(count("SELECT count(*) FROM jobs WHERE deployment_id = ? AND last_step = 29", job)).isEqualTo(1);
        }
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", ended)).isZero();
    }

    @Test
    void acceptedDuplicateAndRefusedWritesAreCountedForPrometheus() {
        UUID job = requestJob("alice", 100);
        String before = scrape();
        metrics(job, "{\"points\":[{\"step\":1,\"loss\":2.0},{\"step\":1,\"loss\":2.0},{\"step\":2}]}")
                .then().statusCode(202);
        metrics(job, "{\"points\":[{\"step\":-1}]}").then().statusCode(400);
        logs(job, List.of("a", "b", "c")).then().statusCode(202);
        String after = scrape();

        String points = "trainpod_ingest_metric_points_total";
        assertThat(Scrape.value(after, points, "outcome", "accepted")
                - Scrape.value(before, points, "outcome", "accepted")).isEqualTo(2);
        assertThat(Scrape.value(after, points, "outcome", "duplicate")
                - Scrape.value(before, points, "outcome", "duplicate")).isEqualTo(1);
        assertThat(Scrape.value(after, "trainpod_ingest_log_lines_total", "outcome", "accepted")
                - Scrape.value(before, "trainpod_ingest_log_lines_total", "outcome", "accepted")).isEqualTo(3);
        String refused = "trainpod_ingest_refused_total";
        assertThat(Scrape.value(after, refused, "kind", "metrics", "status", "400")
                - Scrape.value(before, refused, "kind", "metrics", "status", "400")).isEqualTo(1);
    }

    /**
     * The time to a job's first step is recorded once: after the job's first batch, a later one (here with lower
     * steps, out of order) is not counted again, and costs no query.
     */
    @Test
    void theTimeToFirstStepIsRecordedOncePerJobEvenWhenAnEarlierStepArrivesLater() {
        String firstSteps = "trainpod_job_time_to_first_step_seconds_count";
        double before = Scrape.value(scrape(), firstSteps);
        UUID job = requestJob("alice", 100);
        metrics(job, "{\"points\":[{\"step\":5,\"loss\":2.0}]}").then().statusCode(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> Scrape.value(scrape(), firstSteps) == before + 1);

        metrics(job, "{\"points\":[{\"step\":1,\"loss\":2.5}]}").then().statusCode(202)
                .body("accepted", equalTo(1));
        UUID other = requestJob("alice", 100); // its first batch, sent after: counted once its query has run
        metrics(other, "{\"points\":[{\"step\":1,\"loss\":2.5}]}").then().statusCode(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> Scrape.value(scrape(), firstSteps) >= before + 2);
        assertThat(Scrape.value(scrape(), firstSteps)).isEqualTo(before + 2);
    }

    private static String scrape() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    @Test
    void aStepRepeatedWithinOneBatchIsStoredOnce() {
        UUID job = requestJob("alice", 100);
        metrics(job, "{\"points\":[{\"step\":5,\"loss\":1.0},{\"step\":5,\"loss\":9.0},{\"step\":6}]}")
                .then().statusCode(202).body("accepted", equalTo(2)).body("duplicates", equalTo(1));
        assertThat(text("SELECT loss::text FROM metric_points WHERE deployment_id = ? AND step = 5", job))
                .isEqualTo("1");
    }

    /**
     * A batch mixing steps the job has, steps below its last one that it lacks, and new steps (one repeated) stores
     * each missing step once, the first occurrence of a repeated one; a last step raised by a status report (no
     * point stored up to it) keeps every point below it.
     */
    @Test
    void aBatchAroundTheJobsLastStepStoresEachMissingStepOnce() {
        UUID job = requestJob("alice", 100);
        metrics(job, "{\"points\":[{\"step\":1},{\"step\":2},{\"step\":4}]}").then().statusCode(202)
                .body("accepted", equalTo(3));
        metrics(job, "{\"points\":[{\"step\":3,\"loss\":3.0},{\"step\":4,\"loss\":4.0},{\"step\":6,\"loss\":6.0},"
                + "{\"step\":5,\"loss\":5.0},{\"step\":5,\"loss\":9.0},{\"step\":2}]}").then().statusCode(202)
                .body("accepted", equalTo(3)).body("duplicates", equalTo(3));
        assertThat(text("SELECT string_agg(step || ':' || COALESCE(loss::text, '-'), ',' ORDER BY step)"
                + " FROM metric_points WHERE deployment_id = ?", job)).isEqualTo("1:-,2:-,3:3,4:-,5:5,6:6");

        execute("UPDATE jobs SET last_step = 20 WHERE deployment_id = ?", job); // as a status report at step 20 does
        metrics(job, "{\"points\":[{\"step\":7},{\"step\":7},{\"step\":20},{\"step\":21},{\"step\":6}]}")
                .then().statusCode(202).body("accepted", equalTo(3)).body("duplicates", equalTo(2));
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isEqualTo(9);
        assertThat(count("SELECT count(*) FROM jobs WHERE deployment_id = ? AND last_step = 21", job)).isEqualTo(1);
    }

    @Test
    void aNaNLossIsRejectedNamingItsPointAndNothingIsStored() {
        UUID job = requestJob("alice", 100);
        metrics(job, "{\"points\":[{\"step\":1,\"loss\":2.0},{\"step\":2,\"loss\":NaN},"
                + "{\"step\":3,\"gradNorm\":Infinity}]}")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", contains("points[1].loss", "points[2].gradNorm"))
                .body("errors[0].code", equalTo("NOT_FINITE"))
                .body("detail", containsString("points[1].loss"));
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isZero();
    }

    @Test
    void aPointWithoutStepOrWithANegativeStepIsRejected() {
        UUID job = requestJob("alice", 100);
        metrics(job, "{\"points\":[{\"loss\":2.0},{\"step\":-1}]}")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", contains("points[0].step", "points[1].step"));
    }

    @Test
    void moreThanAThousandPointsInOneBatchAreTooMany() {
        UUID job = requestJob("alice", 100);
        List<Map<String, Object>> points = IntStream.range(0, 1001)
                .mapToObj(i -> Map.<String, Object>of("step", i, "loss", 1.0)).toList();
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(Map.of("points", points))
                .when().post("/api/v1/jobs/" + job + "/metrics")
                .then().statusCode(413).contentType("application/problem+json")
                .body("type", equalTo("https://trainpod.dev/problems/too-many-points"));
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isZero();
    }

    @Test
    void logsBeyondThePerJobLimitDropTheOldestLines() {
        UUID job = requestJob("alice", 100);
        List<String> first = IntStream.range(0, 9_995).mapToObj(i -> "line " + i).toList();
        List<String> second = IntStream.range(9_995, 10_005).mapToObj(i -> "line " + i).toList();

        logs(job, first).then().statusCode(202).body("accepted", equalTo(9_995));
        logs(job, second).then().statusCode(202).body("accepted", equalTo(10));

        assertThat(count("SELECT count(*) FROM log_lines WHERE deployment_id = ?", job)).isEqualTo(10_000);
        given().auth().oauth2(userToken("alice")).queryParam("tail", 10_000)
                .when().get("/api/v1/jobs/" + job + "/logs")
                .then().statusCode(200)
                .body("dropped", equalTo(5))
                .body("lines", hasSize(10_000))
                .body("lines[0]", equalTo("line 5"))
                .body("lines[9999]", equalTo("line 10004"));
    }

    @Test
    void plainTextLogsAreSplitIntoLines() {
        UUID job = requestJob("alice", 100);
        given().auth().oauth2(jobToken(job)).contentType("text/plain; charset=utf-8")
                .body("step 1 loss=2.5\r\nstep 2 loss=2.4\n\nnul \u0000 byte\n")
                .when().post("/api/v1/jobs/" + job + "/logs")
                .then().statusCode(202).body("accepted", equalTo(4));

        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/" + job + "/logs")
                .then().statusCode(200).body("dropped", equalTo(0))
                .body("lines", contains("step 1 loss=2.5", "step 2 loss=2.4", "", "nul \uFFFD byte"));
    }

    @Test
    void afterDeploymentEndedPodWritesAreAConflict() {
        UUID job = requestJob("alice", 100);
        metrics(job, "{\"points\":[{\"step\":1,\"loss\":2.0}]}").then().statusCode(202);

        endDeployment(job, "CANCELLED", "CANCELLED_BY_USER");

        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(Map.of("phase", "TRAINING"))
                .when().post("/api/v1/jobs/" + job + "/status")
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("https://trainpod.dev/problems/job-ended"));
        metrics(job, "{\"points\":[{\"step\":2,\"loss\":1.9}]}").then().statusCode(409)
                .contentType("application/problem+json");
        logs(job, List.of("too late")).then().statusCode(409).contentType("application/problem+json");
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM log_lines WHERE deployment_id = ?", job)).isZero();
        given().auth().oauth2(userToken("alice")).when().get("/api/v1/jobs/" + job + "/progress")
                .then().statusCode(200).body("status", equalTo("ENDED")).body("reason", equalTo("CANCELLED_BY_USER"));
    }

    @Test
    void metricsAndLogsOfAnotherDeploymentAreForbidden() {
        UUID job = requestJob("alice", 100);
        UUID other = requestJob("alice", 100);
        given().auth().oauth2(jobToken(other)).contentType(ContentType.JSON)
                .body("{\"points\":[{\"step\":1,\"loss\":2.0}]}")
                .when().post("/api/v1/jobs/" + job + "/metrics")
                .then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(jobToken(other)).contentType(ContentType.JSON).body(Map.of("lines", List.of("x")))
                .when().post("/api/v1/jobs/" + job + "/logs")
                .then().statusCode(403).contentType("application/problem+json");
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isZero();
    }

    private static Response metrics(UUID job, String json) {
        return given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(json)
                .when().post("/api/v1/jobs/" + job + "/metrics");
    }

    private static Response logs(UUID job, List<String> lines) {
        return given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON)
                .body(Map.of("lines", new ArrayList<>(lines)))
                .when().post("/api/v1/jobs/" + job + "/logs");
    }
}
