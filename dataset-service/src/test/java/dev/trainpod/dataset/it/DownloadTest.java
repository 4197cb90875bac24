package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.downloadPath;
import static dev.trainpod.dataset.it.Fixtures.jsonl;
import static dev.trainpod.dataset.it.Fixtures.mint;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.upload;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;

import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.testing.Scrape;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class DownloadTest {

    private String user;
    private String datasetId;
    private byte[] content;

    @BeforeEach
    void uploadDataset() {
        user = newUser();
        content = jsonl(Fixtures.MESSAGES, Fixtures.MESSAGES, Fixtures.MESSAGES);
        datasetId = upload(user, content).getString("id");
    }

    @Test
    void fullDownloadSendsTheFileWithItsChecksum() {
        JsonPath minted = mint(user, datasetId, UUID.randomUUID(), null, null);

        Response response = given().when().get(downloadPath(minted));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.asByteArray()).isEqualTo(content);
        assertThat(response.header("Content-Length")).isEqualTo(String.valueOf(content.length));
        assertThat(response.header("ETag")).isEqualTo("\"" + Fixtures.sha256(content) + "\"");
        assertThat(response.header("Accept-Ranges")).isEqualTo("bytes");
        assertThat(response.contentType()).startsWith("application/x-ndjson");
        assertThat(Fixtures.count("SELECT uses FROM download_tokens WHERE token_hash = ?",
                Fixtures.sha256(minted.getString("token")))).isEqualTo(1);
    }

    @Test
    void tokensMintedUsedRefusedAndBytesServedAreCountedForPrometheus() {
        String before = scrape();
        JsonPath minted = mint(user, datasetId, UUID.randomUUID(), null, null);
        given().when().get(downloadPath(minted)).then().statusCode(200);
        given().when().get("/api/v1/downloads/" + "C".repeat(43)).then().statusCode(404);
        String after = scrape();

        assertThat(delta(before, after, "trainpod_download_tokens_minted_total")).isEqualTo(1);
        assertThat(delta(before, after, "trainpod_download_tokens_used_total")).isEqualTo(1);
        assertThat(delta(before, after, "trainpod_download_served_bytes_total")).isEqualTo(content.length);
        assertThat(delta(before, after, "trainpod_download_tokens_refused_total", "status", "404")).isEqualTo(1);
    }

    private static String scrape() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static double delta(String before, String after, String name, String... labels) {
        return Scrape.value(after, name, labels) - Scrape.value(before, name, labels);
    }

    @Test
    void rangeRequestSendsJustThoseBytes() {
        String path = downloadPath(mint(user, datasetId, UUID.randomUUID(), null, null));
        int size = content.length;

        Response middle = given().header("Range", "bytes=10-19").when().get(path);
        assertThat(middle.statusCode()).isEqualTo(206);
        assertThat(middle.asByteArray()).isEqualTo(Arrays.copyOfRange(content, 10, 20));
        assertThat(middle.header("Content-Range")).isEqualTo("bytes 10-19/" + size);
        assertThat(middle.header("Content-Length")).isEqualTo("10");

        Response rest = given().header("Range", "bytes=100-").when().get(path);
        assertThat(rest.statusCode()).isEqualTo(206);
        assertThat(rest.asByteArray()).isEqualTo(Arrays.copyOfRange(content, 100, size));
        assertThat(rest.header("Content-Range")).isEqualTo("bytes 100-" + (size - 1) + "/" + size);

        Response tail = given().header("Range", "bytes=-7").when().get(path);
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.asByteArray()).isEqualTo(Arrays.copyOfRange(content, size - 7, size));
    }

    /**
     * The decision is one prepared statement, cached per connection: after its first five runs PostgreSQL may plan it
     * once for any parameters (a generic plan). Every outcome, over and over on the same token, must stay the one the
     * first run gave.
     */
    @Test
    void theCachedStatementDecidesEveryRunAlike() {
        JsonPath minted = mint(user, datasetId, UUID.randomUUID(), null, 3);
        String path = downloadPath(minted);
        int size = content.length;

        for (int run = 0; run < 3; run++) {
            given().when().head(path).then().statusCode(200);
            Response full = given().when().get(path);
            assertThat(full.statusCode()).as("run %d", run).isEqualTo(200);
            assertThat(full.asByteArray()).isEqualTo(content);
            Response middle = given().header("Range", "bytes=10-19").when().get(path);
            assertThat(middle.statusCode()).as("run %d", run).isEqualTo(206);
            assertThat(middle.asByteArray()).isEqualTo(Arrays.copyOfRange(content, 10, 20));
            Response tail = given().header("Range", "bytes=-7").when().get(path);
            assertThat(tail.statusCode()).as("run %d", run).isEqualTo(206);
            assertThat(tail.asByteArray()).isEqualTo(Arrays.copyOfRange(content, size - 7, size));
            given().header("Range", "bytes=" + size + "-").when().get(path).then().statusCode(416);
        }
        given().when().head(path).then().statusCode(429);
        given().when().get(path).then().statusCode(429);
        given().header("Range", "bytes=10-19").when().get(path).then().statusCode(206);
        assertThat(Fixtures.count("SELECT uses FROM download_tokens WHERE token_hash = ?",
                Fixtures.sha256(minted.getString("token")))).isEqualTo(3);
    }

    @Test
    void unsatisfiableOrMalformedRangeIs416() {
        String path = downloadPath(mint(user, datasetId, UUID.randomUUID(), null, null));

        for (String range : new String[] {"bytes=" + content.length + "-", "bytes=9-3", "bytes=abc", "items=0-1",
                "bytes=0-1,5-6", "bytes=-0"}) {
            given().header("Range", range).when().get(path)
                    .then().statusCode(416).contentType("application/problem+json")
                    .header("Content-Range", "bytes */" + content.length);
        }
    }

    @Test
    void headDescribesTheFileWithoutUsingTheToken() {
        String path = downloadPath(mint(user, datasetId, UUID.randomUUID(), null, 1));

        for (int i = 0; i < 2; i++) {
            Response head = given().when().head(path);
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(content.length));
            assertThat(head.header("ETag")).isEqualTo("\"" + Fixtures.sha256(content) + "\"");
            assertThat(head.header("Accept-Ranges")).isEqualTo("bytes");
        }
        given().when().get(path).then().statusCode(200);
    }

    @Test
    void expiredTokenIsGone() {
        JsonPath minted = mint(user, datasetId, UUID.randomUUID(), null, null);
        Fixtures.execute("UPDATE download_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = ?",
                Fixtures.sha256(minted.getString("token")));

        given().when().get(downloadPath(minted))
                .then().statusCode(410).contentType("application/problem+json")
                .body("type", endsWith("/download-expired"));
        given().when().head(downloadPath(minted)).then().statusCode(410);
    }

    @Test
    void tokenIsMintedWithTheRequestedLifetime() {
        JsonPath minted = mint(user, datasetId, UUID.randomUUID(), 90, null);

        assertThat(Fixtures.count("SELECT count(*) FROM download_tokens WHERE token_hash = ?"
                + " AND expires_at - created_at = interval '90 seconds'",
                Fixtures.sha256(minted.getString("token")))).isEqualTo(1);
        given().when().get(downloadPath(minted)).then().statusCode(200);
    }

    @Test
    void usedUpTokenAnswersTooManyRequests() {
        String path = downloadPath(mint(user, datasetId, UUID.randomUUID(), null, 1));

        given().when().get(path).then().statusCode(200);
        given().when().get(path)
                .then().statusCode(429).contentType("application/problem+json")
                .body("type", endsWith("/download-uses-exhausted"));
    }

    @Test
    void resumingAStartedDownloadDoesNotCountAsAUse() {
        JsonPath minted = mint(user, datasetId, UUID.randomUUID(), null, 1);
        String path = downloadPath(minted);

        given().when().get(path).then().statusCode(200);
        Response resumed = given().header("Range", "bytes=50-").when().get(path);
        assertThat(resumed.statusCode()).isEqualTo(206);
        assertThat(resumed.asByteArray()).isEqualTo(Arrays.copyOfRange(content, 50, content.length));
        given().header("Range", "bytes=0-").when().get(path).then().statusCode(429);
    }

    @Test
    void downloadStartedInTimeMayResumeShortlyAfterExpiry() {
        JsonPath minted = mint(user, datasetId, UUID.randomUUID(), null, null);
        String path = downloadPath(minted);
        String hash = Fixtures.sha256(minted.getString("token"));
        given().when().get(path).then().statusCode(200);
        Fixtures.execute("UPDATE download_tokens SET first_used_at = now() - interval '2 minutes',"
                + " expires_at = now() - interval '1 minute' WHERE token_hash = ?", hash);

        given().header("Range", "bytes=50-").when().get(path).then().statusCode(206);
        given().when().get(path).then().statusCode(410);

        Fixtures.execute("UPDATE download_tokens SET first_used_at = now() - interval '3 hours',"
                + " expires_at = now() - interval '2 hours' WHERE token_hash = ?", hash);
        given().header("Range", "bytes=50-").when().get(path).then().statusCode(410);
    }

    @Test
    void rangeOfADownloadThatNeverStartedCountsAsAUse() {
        String path = downloadPath(mint(user, datasetId, UUID.randomUUID(), null, 1));

        given().header("Range", "bytes=50-").when().get(path).then().statusCode(206);
        given().when().get(path).then().statusCode(429);
    }

    @Test
    void unknownTokenIsNotFound() {
        given().when().get("/api/v1/downloads/" + "A".repeat(43))
                .then().statusCode(404).contentType("application/problem+json")
                .body("type", endsWith("/download-not-found"));
        given().when().get("/api/v1/downloads/short").then().statusCode(404);
        given().when().head("/api/v1/downloads/" + "B".repeat(43)).then().statusCode(404);
    }

    @Test
    void deletingTheDatasetOnceItsDeploymentEndedInvalidatesItsTokens() {
        UUID deployment = UUID.randomUUID();
        String path = downloadPath(mint(user, datasetId, deployment, null, null));

        Fixtures.as(user).when().delete("/api/v1/datasets/" + datasetId)
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", endsWith("/dataset-in-use"));
        given().when().get(path).then().statusCode(200);

        Fixtures.publish(new TrainingSucceeded(deployment, "done"));
        await().atMost(Duration.ofSeconds(30)).until(() -> Fixtures.count(
                "SELECT count(*) FROM deployment_grants WHERE deployment_id = ? AND ended_at IS NOT NULL",
                deployment) == 1);

        Fixtures.as(user).when().delete("/api/v1/datasets/" + datasetId).then().statusCode(204);
        given().when().get(path).then().statusCode(404);
    }

    @Test
    void everyDownloadIsRecordedWithItsDeploymentBytesAndClient() {
        UUID deployment = UUID.randomUUID();
        String path = downloadPath(mint(user, datasetId, deployment, null, null));

        given().when().get(path).then().statusCode(200);
        given().header("Range", "bytes=10-19").when().get(path).then().statusCode(206);
        given().when().head(path).then().statusCode(200);

        assertThat(Fixtures.count("SELECT count(*) FROM download_records WHERE deployment_id = ?", deployment))
                .isEqualTo(2);
        assertThat(Fixtures.count("SELECT sum(bytes) FROM download_records WHERE deployment_id = ?", deployment))
                .isEqualTo(content.length + 10L);
        assertThat(Fixtures.count("SELECT count(*) FROM download_records WHERE deployment_id = ?"
                + " AND dataset_id = ? AND client_address IS NOT NULL AND created_at > now() - interval '1 hour'",
                deployment, UUID.fromString(datasetId))).isEqualTo(2);
    }
}
