package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.as;
import static dev.trainpod.dataset.it.Fixtures.asPod;
import static dev.trainpod.dataset.it.Fixtures.downloadPath;
import static dev.trainpod.dataset.it.Fixtures.jsonl;
import static dev.trainpod.dataset.it.Fixtures.mint;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.sha256;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(S3StorageTest.S3Storage.class)
class S3StorageTest {

    /** The service with trainpod.dataset.storage=s3, against a real S3 API server. */
    public static class S3Storage implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TrainpodTestResource.class, Map.of("database", "dataset_test")),
                    new TestResourceEntry(S3ProxyResource.class));
        }
    }

    @Test
    void datasetIsStoredInTheBucketDownloadedWithRangeAndDeleted() {
        String user = newUser();
        String[] lines = new String[500];
        Arrays.fill(lines, Fixtures.MESSAGES);
        byte[] content = jsonl(lines);
        String id = Fixtures.upload(user, content).getString("id");

        assertThat(S3ProxyResource.blobs().blobExists(S3ProxyResource.BUCKET, id + ".jsonl")).isTrue();
        assertThat(Path.of("target/dataset-storage-s3").resolve(id + ".jsonl")).doesNotExist();

        UUID deployment = UUID.randomUUID();
        String path = downloadPath(mint(user, id, deployment, null, null));
        Response whole = given().when().get(path);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.asByteArray()).isEqualTo(content);
        assertThat(whole.header("ETag")).isEqualTo("\"" + sha256(content) + "\"");
        Response part = given().header("Range", "bytes=100-4099").when().get(path);
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.header("Content-Range")).isEqualTo("bytes 100-4099/" + content.length);
        assertThat(part.asByteArray()).isEqualTo(Arrays.copyOfRange(content, 100, 4100));
        given().header("Range", "bytes=-10").when().get(path).then().statusCode(206);

        Fixtures.publish(new TrainingSucceeded(deployment, "done"));
        await().atMost(Duration.ofSeconds(30)).until(() -> Fixtures.count(
                "SELECT count(*) FROM deployment_grants WHERE deployment_id = ? AND ended_at IS NOT NULL",
                deployment) == 1);
        as(user).when().delete("/api/v1/datasets/" + id).then().statusCode(204);
        assertThat(S3ProxyResource.blobs().blobExists(S3ProxyResource.BUCKET, id + ".jsonl")).isFalse();
    }

    @Test
    void chunkedArtifactAndResumableDatasetLandInTheBucket() {
        String user = newUser();
        UUID deployment = UUID.randomUUID();
        Fixtures.openGrant(user, Fixtures.uploadValid(user), deployment);
        byte[] model = new byte[200_000];
        new Random(7).nextBytes(model);

        asPod(deployment).header("Content-Range", "bytes 0-99999/200000").body(Arrays.copyOfRange(model, 0, 100_000))
                .when().put("/api/v1/pod/artifacts/model.bin").then().statusCode(202);
        String artifact = asPod(deployment).header("Content-Range", "bytes 100000-199999/200000")
                .body(Arrays.copyOfRange(model, 100_000, 200_000))
                .when().put("/api/v1/pod/artifacts/model.bin").then().statusCode(201).extract().path("id");

        assertThat(S3ProxyResource.blobs().blobExists(S3ProxyResource.BUCKET, "artifacts/" + artifact)).isTrue();
        Response part = as(user).header("Range", "bytes=150000-").when()
                .get("/api/v1/artifacts/" + artifact + "/content");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.asByteArray()).isEqualTo(Arrays.copyOfRange(model, 150_000, 200_000));

        byte[] content = jsonl(Fixtures.TEXT, Fixtures.TEXT, Fixtures.TEXT);
        String location = as(user).header("Upload-Length", content.length).queryParam("name", "t.jsonl")
                .when().post("/api/v1/uploads").then().statusCode(201).extract().header("Location");
        String dataset = as(user).contentType("application/offset+octet-stream").header("Upload-Offset", "0")
                .body(content).when().patch(location.replaceFirst("^https?://[^/]+", ""))
                .then().statusCode(201).extract().path("id");
        assertThat(S3ProxyResource.blobs().blobExists(S3ProxyResource.BUCKET, dataset + ".jsonl")).isTrue();
    }
}
