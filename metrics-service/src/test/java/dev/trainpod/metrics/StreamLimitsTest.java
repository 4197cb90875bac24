package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.endDeployment;
import static dev.trainpod.metrics.Fixtures.requestJob;
import static dev.trainpod.metrics.Fixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What one client may take of the live streams (in tests: 4 per user, a keep-alive after 1 s of quiet), and streams
 * that have nothing more to send ending rather than polling forever.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class StreamLimitsTest {

    @TestHTTPResource("/api/v1/jobs/")
    URI jobs;

    @Test
    void aUsersStreamBeyondTheCapIsRefusedAndOneClosedMakesRoom() throws Exception {
        String user = "greedy-" + UUID.randomUUID();
        UUID job = requestJob(user, 100);
        List<SseClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                open.add(new SseClient(jobs.resolve(job + "/stream"), userToken(user), null));
            }
            given().auth().oauth2(userToken(user)).when().get("/api/v1/jobs/" + job + "/stream")
                    .then().statusCode(429).contentType("application/problem+json")
                    .body("type", equalTo("https://trainpod.dev/problems/too-many-streams"));
            UUID neighbours = requestJob("alice", 100);
            try (SseClient other = new SseClient(jobs.resolve(neighbours + "/stream"), userToken("alice"), null)) {
                assertThat(other.nextComment()).as("another user still streams").isEqualTo("keep-alive");
            }

            open.remove(0).close();
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    given().auth().oauth2(userToken(user)).header("Last-Event-ID", "999999999999")
                            .when().get("/api/v1/jobs/" + job + "/stream").statusCode() == 200);
        } finally {
            for (SseClient client : open) {
                client.close();
            }
        }
    }

    @Test
    void aQuietStreamSendsKeepAlives() throws Exception {
        UUID job = requestJob("alice", 100);
        try (SseClient client = new SseClient(jobs.resolve(job + "/stream"), userToken("alice"), null)) {
            assertThat(client.nextComment()).isEqualTo("keep-alive");
            assertThat(client.nextComment()).isEqualTo("keep-alive");
        }
    }

    @Test
    void aStreamOpenedPastTheLastEventEnds() throws Exception {
        UUID job = requestJob("alice", 100);
        try (SseClient client = new SseClient(jobs.resolve(job + "/stream"), userToken("alice"), "999999999999")) {
            client.awaitEnd();
        }
    }

    @Test
    void aStreamWhoseEventsRetentionDeletedEnds() throws Exception {
        UUID job = requestJob("alice", 100);
        try (SseClient client = new SseClient(jobs.resolve(job + "/stream"), userToken("alice"), null)) {
            client.nextComment();
            Fixtures.execute("UPDATE jobs SET telemetry_deleted_at = now() WHERE deployment_id = ?", job);
            client.awaitEnd();
        }
    }

    @Test
    void aStreamOfAnEndedJobEndsAfterItsLastEventAndAtOnceWhenResumedThere() throws Exception {
        UUID job = requestJob("alice", 100);
        endDeployment(job, "SUCCEEDED", null);
        String lastId;
        try (SseClient client = new SseClient(jobs.resolve(job + "/stream"), userToken("alice"), null)) {
            SseClient.Event ended = client.next();
            while (!"ENDED".equals(ended.json().getString("status"))) {
                ended = client.next();
            }
            lastId = ended.id();
            client.awaitEnd();
        }
        try (SseClient resumed = new SseClient(jobs.resolve(job + "/stream"), userToken("alice"), lastId)) {
            resumed.awaitEnd();
        }
    }
}
