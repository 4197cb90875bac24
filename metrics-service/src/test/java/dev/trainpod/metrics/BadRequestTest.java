package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.count;
import static dev.trainpod.metrics.Fixtures.jobToken;
import static dev.trainpod.metrics.Fixtures.requestJob;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.restassured.http.ContentType;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every malformed request answers a problem+json 4xx, never a 500, and changes nothing. */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class BadRequestTest {

    @TestHTTPResource("/api/v1/")
    URI jobs;

    private UUID job;

    @BeforeEach
    void requestAJob() {
        job = requestJob("alice", 100);
    }

    @Test
    void malformedJsonIsABadRequest() {
        post("/metrics", "{\"points\":[{\"step\":1,").then().statusCode(400)
                .contentType("application/problem+json");
        post("/status", "not json at all").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void wrongTypesAreABadRequestNamingTheField() {
        post("/metrics", "{\"points\":[{\"step\":\"one\"}]}").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("points[0].step"));
        post("/metrics", "{\"points\":{\"step\":1}}").then().statusCode(400).contentType("application/problem+json");
        post("/metrics", "{\"points\":[{\"step\":1,\"time\":\"yesterday\"}]}").then().statusCode(400)
                .contentType("application/problem+json");
        post("/metrics", "{\"points\":[{\"step\":1,\"tags\":{\"a\":1}}]}").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("points[0].tags"));
        post("/logs", "{\"lines\":[\"ok\",{\"no\":1}]}").then().statusCode(400)
                .contentType("application/problem+json");
        post("/logs", "{\"lines\":[\"ok\",null]}").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("lines[1]"));
        post("/status", "{\"phase\":\"TRAINING\",\"step\":-3}").then().statusCode(400)
                .contentType("application/problem+json");
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isZero();
    }

    @Test
    void missingBodyIsABadRequest() {
        for (String path : new String[] {"/status", "/metrics", "/logs"}) {
            given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON)
                    .when().post("/api/v1/jobs/" + job + path)
                    .then().statusCode(400).contentType("application/problem+json");
        }
        post("/metrics", "{}").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("points"));
        post("/status", "{}").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("phase"));
    }

    @Test
    void bodyOverTheLimitIsTooLarge() {
        String huge = "{\"lines\":[\"" + "x".repeat(3 * 1024 * 1024) + "\"]}";
        post("/logs", huge).then().statusCode(413).contentType("application/problem+json")
                .body("type", equalTo("https://trainpod.dev/problems/body-too-large"));
        assertThat(count("SELECT count(*) FROM log_lines WHERE deployment_id = ?", job)).isZero();
    }

    /**
     * Without a Content-Length the size is only known while reading, and Quarkus answers that 413 itself,
     * without a body: the limit holds, though the answer is no problem document (see common's RequestBodyGuard).
     */
    @Test
    void chunkedBodyOverTheLimitIsTooLarge() throws Exception {
        byte[] huge = ("{\"lines\":[\"" + "x".repeat(3 * 1024 * 1024) + "\"]}").getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(jobs.resolve("jobs/" + job + "/logs"))
                .header("Authorization", "Bearer " + jobToken(job))
                .header("Content-Type", "application/json")
                // an input stream has no known length, so the body goes chunked, without Content-Length
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge)))
                .build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(count("SELECT count(*) FROM log_lines WHERE deployment_id = ?", job)).isZero();
    }

    @Test
    void malformedJobIdInThePathIsNotFound() {
        given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body("{\"phase\":\"TRAINING\"}")
                .when().post("/api/v1/jobs/" + job + "x/status")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void unsupportedMediaTypeIsRefused() {
        given().auth().oauth2(jobToken(job)).contentType("application/xml").body("<points/>")
                .when().post("/api/v1/jobs/" + job + "/metrics")
                .then().statusCode(415).contentType("application/problem+json");
    }

    private io.restassured.response.Response post(String path, String body) {
        return given().auth().oauth2(jobToken(job)).contentType(ContentType.JSON).body(body)
                .when().post("/api/v1/jobs/" + job + path);
    }
}
