package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.as;
import static dev.trainpod.dataset.it.Fixtures.jsonl;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.trainpod.common.testing.TrainpodTestResource;
import dev.trainpod.dataset.service.CleanupJob;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class ResumableUploadTest {

    private static final String OFFSET_STREAM = "application/offset+octet-stream";

    @Inject
    CleanupJob cleanup;

    @Test
    void chunksAppendedAtTheirOffsetsBecomeAValidatedDataset() {
        String user = newUser();
        byte[] content = dpoFile(2_000);
        String location = create(user, content.length, "prefs.jsonl");
        int half = content.length / 2;

        Response head = as(user).when().head(location);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.header("Upload-Offset")).isEqualTo("0");
        assertThat(head.header("Upload-Length")).isEqualTo(String.valueOf(content.length));

        patch(user, location, 0, Arrays.copyOfRange(content, 0, half))
                .then().statusCode(204).header("Upload-Offset", String.valueOf(half));
        patch(user, location, 0, Arrays.copyOfRange(content, 0, half))
                .then().statusCode(409).contentType("application/problem+json")
                .header("Upload-Offset", String.valueOf(half))
                .body("type", endsWith("/upload-offset-mismatch"));
        String datasetId = patch(user, location, half, Arrays.copyOfRange(content, half, content.length))
                .then().statusCode(201)
                .header("Location", containsString("/api/v1/datasets/"))
                .body("name", equalTo("prefs.jsonl"))
                .body("format", equalTo("DPO"))
                .body("rows", equalTo(2_000))
                .body("bytes", equalTo(content.length))
                .body("sha256", equalTo(sha256(content)))
                .extract().path("id");

        as(user).when().get(location).then().statusCode(200)
                .body("datasetId", equalTo(datasetId))
                .body("offset", equalTo(content.length));
        as(user).when().get("/api/v1/datasets/" + datasetId).then().statusCode(200).body("format", equalTo("DPO"));
        assertThat(Fixtures.STORAGE.resolve(datasetId + ".jsonl")).hasBinaryContent(content);
    }

    @Test
    void interruptedChunkResumesFromTheOffsetTheServerReports() throws Exception {
        String user = newUser();
        byte[] content = dpoFile(5_000);
        String location = create(user, content.length, "cut.jsonl");

        Fixtures.sendCutShort("PATCH", location, Map.of(
                "Authorization", "Bearer " + TrainpodTestResource.keys().userToken(user),
                "Content-Type", OFFSET_STREAM, "Upload-Offset", "0"), content, content.length / 3);

        // The cut request may still be in flight: its bytes either count (the offset moved) or are refused (409).
        String[] datasetId = new String[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            int offset = Integer.parseInt(as(user).when().head(location).header("Upload-Offset"));
            assertThat(offset).isBetween(0, content.length / 3);
            Response resumed = patch(user, location, offset, Arrays.copyOfRange(content, offset, content.length));
            if (resumed.statusCode() == 201) {
                datasetId[0] = resumed.path("id");
            }
            return resumed.statusCode() == 201;
        });

        as(user).when().get("/api/v1/datasets/" + datasetId[0]).then().statusCode(200)
                .body("bytes", equalTo(content.length))
                .body("sha256", equalTo(sha256(content)))
                .body("rows", equalTo(5_000));
    }

    @Test
    void nameMayComeFromTusMetadata() {
        String user = newUser();
        String name = Base64.getEncoder().encodeToString("from-metadata.jsonl".getBytes(StandardCharsets.UTF_8));
        as(user).header("Upload-Length", "10").header("Upload-Metadata", "filetype dGV4dA==,name " + name)
                .when().post("/api/v1/uploads")
                .then().statusCode(201).body("name", equalTo("from-metadata.jsonl")).body("datasetId", nullValue());
    }

    @Test
    void badRequestsAreProblems() {
        String user = newUser();
        as(user).queryParam("name", "x.jsonl").when().post("/api/v1/uploads")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", endsWith("/upload-length-invalid"));
        as(user).header("Upload-Length", "10").when().post("/api/v1/uploads")
                .then().statusCode(400).body("type", endsWith("/name-missing"));
        as(user).header("Upload-Length", String.valueOf(5L * 1024 * 1024)).queryParam("name", "x.jsonl")
                .when().post("/api/v1/uploads")
                .then().statusCode(413).contentType("application/problem+json");
        as(user).header("Upload-Length", "0").queryParam("name", "x.jsonl").when().post("/api/v1/uploads")
                .then().statusCode(400).body("type", endsWith("/dataset-empty"));

        String location = create(user, 10, "x.jsonl");
        as(user).contentType("application/octet-stream").header("Upload-Offset", "0").body(new byte[5])
                .when().patch(location)
                .then().statusCode(415).contentType("application/problem+json");
        as(user).contentType(OFFSET_STREAM).body(new byte[5]).when().patch(location)
                .then().statusCode(400).body("type", endsWith("/upload-offset-invalid"));
        patch(user, location, 0, new byte[11])
                .then().statusCode(400).body("type", endsWith("/upload-length-exceeded"));
        as(user).when().head(location).then().statusCode(200).header("Upload-Offset", "0");
    }

    @Test
    void anotherUsersUploadIsNotFound() {
        String location = create(newUser(), 10, "x.jsonl");
        String mallory = newUser();

        as(mallory).when().head(location).then().statusCode(404);
        patch(mallory, location, 0, new byte[5]).then().statusCode(404).contentType("application/problem+json");
        as(mallory).when().delete(location).then().statusCode(404);
        as(mallory).when().head("/api/v1/uploads/" + UUID.randomUUID()).then().statusCode(404);
    }

    @Test
    void uploadThatTurnsOutBlankIsRejectedAndForgotten() {
        String user = newUser();
        byte[] blank = "\n \n\n".getBytes(StandardCharsets.UTF_8);
        String location = create(user, blank.length, "blank.jsonl");

        patch(user, location, 0, blank).then().statusCode(400).contentType("application/problem+json")
                .body("type", endsWith("/dataset-empty"));

        as(user).when().head(location).then().statusCode(404);
    }

    @Test
    void abandonedUploadsAreForgottenWithTheirBytes() throws Exception {
        String user = newUser();
        String stale = create(user, 100, "stale.jsonl");
        String fresh = create(user, 100, "fresh.jsonl");
        patch(user, stale, 0, jsonl(Fixtures.TEXT)).then().statusCode(204);
        UUID staleId = UUID.fromString(stale.substring(stale.lastIndexOf('/') + 1));
        Fixtures.execute("UPDATE uploads SET updated_at = now() - interval '25 hours' WHERE id = ?", staleId);
        Path staged = Fixtures.STORAGE.resolve(".partial").resolve(staleId + ".upload");
        assertThat(staged).exists();
        Files.setLastModifiedTime(staged, FileTime.from(Instant.now().minus(Duration.ofHours(25))));

        cleanup.removeAbandonedUploads();

        as(user).when().head(stale).then().statusCode(404);
        assertThat(staged).doesNotExist();
        as(user).when().head(fresh).then().statusCode(200);
    }

    private static String create(String user, long length, String name) {
        return as(user).header("Upload-Length", String.valueOf(length)).queryParam("name", name)
                .when().post("/api/v1/uploads")
                .then().statusCode(201).header("Upload-Offset", "0").header("Tus-Resumable", "1.0.0")
                .extract().header("Location").replaceFirst("^https?://[^/]+", "");
    }

    private static Response patch(String user, String location, long offset, byte[] chunk) {
        return as(user).contentType(OFFSET_STREAM).header("Upload-Offset", String.valueOf(offset)).body(chunk)
                .when().patch(location);
    }

    private static byte[] dpoFile(int rows) {
        String[] lines = new String[rows];
        Arrays.fill(lines, Fixtures.DPO);
        return jsonl(lines);
    }
}
