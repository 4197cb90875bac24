package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.as;
import static dev.trainpod.dataset.it.Fixtures.asPod;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.sha256;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class ArtifactTest {

    private String user;
    private UUID deployment;
    private byte[] model;

    @BeforeEach
    void openDeployment() {
        user = newUser();
        deployment = UUID.randomUUID();
        Fixtures.openGrant(user, Fixtures.uploadValid(user), deployment);
        model = new byte[300_000];
        new Random(42).nextBytes(model);
    }

    @Test
    void wholeFileIsStoredByIdAndItsOwnerDownloadsIt() {
        String id = asPod(deployment).contentType("application/octet-stream").body(model)
                .when().put("/api/v1/pod/artifacts/adapter_model.safetensors")
                .then().statusCode(201).contentType("application/json")
                .body("name", equalTo("adapter_model.safetensors"))
                .body("bytes", equalTo(model.length))
                .body("sha256", equalTo(sha256(model)))
                .extract().path("id");

        assertThat(Fixtures.STORAGE.resolve("artifacts").resolve(id)).hasBinaryContent(model);
        as(user).queryParam("deploymentId", deployment.toString()).when().get("/api/v1/artifacts")
                .then().statusCode(200)
                .body("id", contains(id))
                .body("[0].deploymentId", equalTo(deployment.toString()))
                .body("[0].name", equalTo("adapter_model.safetensors"))
                .body("[0].bytes", equalTo(model.length))
                .body("[0].sha256", equalTo(sha256(model)));
        Response whole = as(user).when().get("/api/v1/artifacts/" + id + "/content");
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.asByteArray()).isEqualTo(model);
        assertThat(whole.header("ETag")).isEqualTo("\"" + sha256(model) + "\"");
        Response part = as(user).header("Range", "bytes=1000-1999").when().get("/api/v1/artifacts/" + id + "/content");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.asByteArray()).isEqualTo(Arrays.copyOfRange(model, 1000, 2000));
    }

    @Test
    void aPodListsReadsAndRemovesItsDeploymentsCheckpointsButNotAnothers() {
        asPod(deployment).contentType("application/octet-stream").body(model)
                .when().put("/api/v1/pod/artifacts/checkpoint-8.tar").then().statusCode(201);
        UUID other = UUID.randomUUID();
        Fixtures.openGrant(user, Fixtures.uploadValid(user), other);

        asPod(deployment).when().get("/api/v1/pod/artifacts").then().statusCode(200)
                .body("name", contains("checkpoint-8.tar")).body("[0].sha256", equalTo(sha256(model)));
        // the stored checkpoint is announced (deploy-service shows its step and age, and each pod's steps gained)
        java.util.List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> stored = Fixtures.eventsOn(
                deployment, "CheckpointStored", java.time.Duration.ofSeconds(2));
        assertThat(stored).hasSize(1);
        dev.trainpod.common.event.CheckpointStored event = (dev.trainpod.common.event.CheckpointStored)
                dev.trainpod.common.event.EventCodec.fromJson("CheckpointStored", stored.get(0).value());
        assertThat(event.step()).isEqualTo(8);
        assertThat(event.name()).isEqualTo("checkpoint-8.tar");
        assertThat(event.storedAt()).isNotNull();
        asPod(other).when().get("/api/v1/pod/artifacts").then().statusCode(200).body("size()", equalTo(0));
        Response read = asPod(deployment).when().get("/api/v1/pod/artifacts/checkpoint-8.tar");
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.asByteArray()).isEqualTo(model);
        asPod(other).when().get("/api/v1/pod/artifacts/checkpoint-8.tar").then().statusCode(404);
        asPod(other).when().delete("/api/v1/pod/artifacts/checkpoint-8.tar").then().statusCode(404);

        asPod(deployment).when().delete("/api/v1/pod/artifacts/checkpoint-8.tar").then().statusCode(204);
        asPod(deployment).when().get("/api/v1/pod/artifacts/checkpoint-8.tar").then().statusCode(404);
        asPod(deployment).when().get("/api/v1/pod/artifacts").then().statusCode(200).body("size()", equalTo(0));
        as(user).when().get("/api/v1/pod/artifacts").then().statusCode(403);
    }

    @Test
    void anotherUserSeesNoneOfThem() {
        String id = asPod(deployment).body(model).when().put("/api/v1/pod/artifacts/model.bin")
                .then().statusCode(201).extract().path("id");
        String mallory = newUser();

        as(mallory).queryParam("deploymentId", deployment.toString()).when().get("/api/v1/artifacts")
                .then().statusCode(200).body("$", empty());
        as(mallory).when().get("/api/v1/artifacts/" + id + "/content")
                .then().statusCode(404).contentType("application/problem+json");
        asPod(UUID.randomUUID()).when().head("/api/v1/pod/artifacts/model.bin").then().statusCode(404);
        as(user).when().get("/api/v1/artifacts/" + id + "/content").then().statusCode(200);
    }

    @Test
    void chunkedUploadResumesFromItsOffset() {
        String path = "/api/v1/pod/artifacts/checkpoint.tar";
        chunkPut(path, 0, 99_999).then().statusCode(202)
                .header("Upload-Offset", "100000")
                .body("uploadOffset", equalTo(100_000));
        Response head = asPod(deployment).when().head(path);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.header("Upload-Offset")).isEqualTo("100000");
        assertThat(head.header("Upload-Complete")).isNull();

        chunkPut(path, 200_000, 299_999).then().statusCode(409).contentType("application/problem+json")
                .header("Upload-Offset", "100000")
                .body("type", endsWith("/upload-offset-mismatch"));
        chunkPut(path, 100_000, 199_999).then().statusCode(202).header("Upload-Offset", "200000");
        String id = chunk(path, 200_000, 299_999).header("X-Trainpod-Sha256", sha256(model).toUpperCase())
                .when().put(path)
                .then().statusCode(201)
                .body("bytes", equalTo(model.length))
                .body("sha256", equalTo(sha256(model)))
                .extract().path("id");

        assertThat(asPod(deployment).when().head(path).header("Upload-Complete")).isEqualTo("?1");
        assertThat(as(user).when().get("/api/v1/artifacts/" + id + "/content").asByteArray()).isEqualTo(model);
        chunkPut(path, 100_000, 199_999).then().statusCode(409).header("Upload-Offset", "300000");
    }

    @Test
    void uploadingTheNameAgainFromZeroReplacesIt() {
        String path = "/api/v1/pod/artifacts/metrics.json";
        String first = asPod(deployment).body("{\"loss\":1}").when().put(path)
                .then().statusCode(201).extract().path("id");
        String second = asPod(deployment).body("{\"loss\":0.5}").when().put(path)
                .then().statusCode(201).extract().path("id");

        as(user).queryParam("deploymentId", deployment.toString()).when().get("/api/v1/artifacts")
                .then().statusCode(200).body("id", contains(second));
        assertThat(second).isNotEqualTo(first);
        assertThat(Fixtures.STORAGE.resolve("artifacts").resolve(first)).doesNotExist();
        assertThat(as(user).when().get("/api/v1/artifacts/" + second + "/content").asString())
                .isEqualTo("{\"loss\":0.5}");
    }

    @Test
    void checksumMismatchDiscardsTheUpload() {
        String path = "/api/v1/pod/artifacts/model.bin";
        asPod(deployment).header("X-Trainpod-Sha256", sha256("something else")).body(model).when().put(path)
                .then().statusCode(422).contentType("application/problem+json")
                .body("type", endsWith("/checksum-mismatch"));

        asPod(deployment).when().head(path).then().statusCode(404);
        assertThat(Fixtures.count("SELECT count(*) FROM artifacts WHERE deployment_id = ?", deployment)).isZero();
    }

    @Test
    void oversizedArtifactIsRefusedAndNothingIsKept() throws IOException {
        byte[] big = new byte[3 * 1024 * 1024];
        long before = stagedFiles();

        asPod(deployment).body(big).when().put("/api/v1/pod/artifacts/big.bin")
                .then().statusCode(413).contentType("application/problem+json")
                .body("type", endsWith("/artifact-too-large"));
        asPod(deployment).header("Content-Range", "bytes 0-9/" + big.length).body(new byte[10])
                .when().put("/api/v1/pod/artifacts/big.bin")
                .then().statusCode(413).contentType("application/problem+json");

        asPod(deployment).when().head("/api/v1/pod/artifacts/big.bin").then().statusCode(404);
        assertThat(stagedFiles()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"..%2F..%2Fetc%2Fpasswd", "..%5C..%5Cwindows", "a%20b", "caf%C3%A9", "x%00y"})
    void namesThatCouldEscapeOrMisleadAreRefused(String name) {
        given().urlEncodingEnabled(false).auth().oauth2(TrainpodTestResource.keys().jobToken(deployment))
                .body(model).when().put("/api/v1/pod/artifacts/" + name)
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", endsWith("/artifact-name-invalid"));
        assertThat(Fixtures.count("SELECT count(*) FROM artifacts WHERE deployment_id = ?", deployment)).isZero();
    }

    /** Dot segments are resolved away by the HTTP layer before routing; either way nothing is stored. */
    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "%2E%2E", "%2e"})
    void dotSegmentNamesStoreNothing(String name) {
        int status = given().urlEncodingEnabled(false).auth().oauth2(TrainpodTestResource.keys().jobToken(deployment))
                .body(model).when().put("/api/v1/pod/artifacts/" + name)
                .then().contentType("application/problem+json").extract().statusCode();
        assertThat(status).isIn(400, 404, 405);
        assertThat(Fixtures.count("SELECT count(*) FROM artifacts WHERE deployment_id = ?", deployment)).isZero();
    }

    @Test
    void dottedNameIsStoredHarmlesslyUnderItsId() {
        String id = asPod(deployment).body(model).when().put("/api/v1/pod/artifacts/..hidden..")
                .then().statusCode(201).body("name", equalTo("..hidden..")).extract().path("id");

        assertThat(Fixtures.STORAGE.resolve("artifacts").resolve(id)).hasBinaryContent(model);
        assertThat(Fixtures.STORAGE.resolve("..hidden..")).doesNotExist();
        assertThat(Fixtures.STORAGE.resolve("artifacts").resolve("..hidden..")).doesNotExist();
    }

    @Test
    void malformedContentRangeIsABadRequest() {
        for (String range : new String[] {"bytes 5-1/10", "bytes 0-10/10", "bytes */10", "items 0-1/2", "bytes 0-1"}) {
            asPod(deployment).header("Content-Range", range).body(new byte[2])
                    .when().put("/api/v1/pod/artifacts/x.bin")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("type", endsWith("/content-range-invalid"));
        }
    }

    @Test
    void podOfAnEndedDeploymentCannotUpload() {
        Fixtures.publish(new TrainingSucceeded(deployment, "done"));
        await().atMost(Duration.ofSeconds(30)).until(() -> Fixtures.count(
                "SELECT count(*) FROM deployment_grants WHERE deployment_id = ? AND ended_at IS NOT NULL",
                deployment) == 1);

        asPod(deployment).body(model).when().put("/api/v1/pod/artifacts/late.bin")
                .then().statusCode(410).contentType("application/problem+json");
    }

    @Test
    void onlyJobTokensMayUpload() {
        as(user).body(model).when().put("/api/v1/pod/artifacts/model.bin")
                .then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(TrainpodTestResource.keys().forgedJobToken(deployment)).body(model)
                .when().put("/api/v1/pod/artifacts/model.bin")
                .then().statusCode(403).contentType("application/problem+json");
        asPod(deployment).when().get("/api/v1/artifacts")
                .then().statusCode(403).contentType("application/problem+json");
    }

    private io.restassured.specification.RequestSpecification chunk(String path, int start, int end) {
        return asPod(deployment).header("Content-Range", "bytes " + start + "-" + end + "/" + model.length)
                .contentType("application/octet-stream").body(Arrays.copyOfRange(model, start, end + 1));
    }

    private Response chunkPut(String path, int start, int end) {
        return chunk(path, start, end).when().put(path);
    }

    private static long stagedFiles() throws IOException {
        Path staging = Fixtures.STORAGE.resolve(".partial");
        try (Stream<Path> files = Files.list(staging)) {
            return files.count();
        }
    }
}
