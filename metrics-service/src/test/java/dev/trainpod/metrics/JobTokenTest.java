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
import dev.trainpod.metrics.security.VerifiedTokenCache;
import io.restassured.http.ContentType;
import io.smallrye.jwt.auth.principal.JWTParser;
import jakarta.inject.Inject;
import io.restassured.response.Response;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Only a job token that deploy-service signed, for metrics-service, unexpired, for this very job may write. */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class JobTokenTest {

    private static final String POINTS = "{\"points\":[{\"step\":1,\"loss\":2.0}]}";

    @Inject
    JWTParser parser;

    /** The bearer tokens of this service go through the verified-token cache (a JWTParser alternative). */
    @Test
    void tokensAreParsedThroughTheVerifiedTokenCacheAndAValidOneWorksTwice() {
        assertThat(parser).isInstanceOf(VerifiedTokenCache.class);
        UUID job = requestJob("alice", 100);
        String token = jobToken(job);
        postMetrics(job, token).then().statusCode(202);
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"points\":[{\"step\":2,\"loss\":1.0}]}")
                .when().post("/api/v1/jobs/" + job + "/metrics").then().statusCode(202).body("accepted", equalTo(1));
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isEqualTo(2);
    }

    @Test
    void tokenSignedWithAnUntrustedKeyIsUnauthorized() {
        UUID job = requestJob("alice", 100);
        postMetrics(job, TrainpodTestResource.keys().selfSignedJobToken(job)).then().statusCode(401)
                .contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
        assertNothingStored(job);
    }

    @Test
    void expiredTokenIsUnauthorized() {
        UUID job = requestJob("alice", 100);
        postMetrics(job, TrainpodTestResource.keys().expiredJobToken(job)).then().statusCode(401)
                .contentType("application/problem+json");
        assertNothingStored(job);
    }

    @Test
    void tokenForAnotherAudienceIsUnauthorized() {
        UUID job = requestJob("alice", 100);
        postMetrics(job, TrainpodTestResource.keys().datasetOnlyJobToken(job)).then().statusCode(401)
                .contentType("application/problem+json");
        assertNothingStored(job);
    }

    @Test
    void tokenOfAnotherDeploymentIsForbidden() {
        UUID job = requestJob("alice", 100);
        UUID other = requestJob("alice", 100);
        postMetrics(job, jobToken(other)).then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("https://trainpod.dev/problems/wrong-job"));
        assertNothingStored(job);
    }

    @Test
    void theJobsOwnTokenIsAccepted() {
        UUID job = requestJob("alice", 100);
        postMetrics(job, jobToken(job)).then().statusCode(202).body("accepted", equalTo(1));
    }

    private static Response postMetrics(UUID job, String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(POINTS)
                .when().post("/api/v1/jobs/" + job + "/metrics");
    }

    private static void assertNothingStored(UUID job) {
        assertThat(count("SELECT count(*) FROM metric_points WHERE deployment_id = ?", job)).isZero();
        assertThat(count("SELECT count(*) FROM jobs WHERE deployment_id = ? AND last_heartbeat_at IS NULL", job))
                .isEqualTo(1);
    }
}
