package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.as;
import static dev.trainpod.dataset.it.Fixtures.asPod;
import static dev.trainpod.dataset.it.Fixtures.count;
import static dev.trainpod.dataset.it.Fixtures.jsonl;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The storage quotas (here: 3 datasets or 4,000 bytes per user, 2 artifacts or 500,000 bytes per deployment): a
 * breach answers its problem with the limit and the usage, and nothing of the refused upload is stored, even when
 * uploads race for the last place.
 */
@QuarkusTest
@TestProfile(StorageQuotaTest.SmallQuotas.class)
class StorageQuotaTest {

    /** The service with small quotas. */
    public static class SmallQuotas implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("trainpod.dataset.max-datasets-per-user", "3",
                    "trainpod.dataset.max-dataset-bytes-per-user", "4000",
                    "trainpod.dataset.max-artifacts-per-deployment", "2",
                    "trainpod.dataset.max-artifact-bytes-per-deployment", "500000");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TrainpodTestResource.class, Map.of("database", "dataset_test")));
        }
    }

    @Test
    void aUsersDatasetPastTheCountQuotaIsRefusedAndNothingIsStored() {
        String user = newUser();
        for (int i = 0; i < 3; i++) {
            Fixtures.uploadValid(user);
        }
        long files = storedFiles();

        Response refused = uploadRaw(user, jsonl(Fixtures.MESSAGES));

        assertQuotaProblem(refused, "dataset-quota-exceeded", "DATASET_COUNT_QUOTA", "limit 3, in use 3");
        assertThat(count("SELECT count(*) FROM datasets WHERE user_id = ?", user)).isEqualTo(3);
        assertThat(storedFiles()).isEqualTo(files);
        Fixtures.uploadValid(newUser());
    }

    @Test
    void aUsersDatasetPastTheBytesQuotaIsRefusedBeforeAndAfterStoring() {
        String user = newUser();
        byte[] big = jsonl(Stream.generate(() -> Fixtures.MESSAGES).limit(20).toArray(String[]::new));
        assertThat(big.length).isBetween(2001, 3999);
        uploadRaw(user, big).then().statusCode(201);
        long files = storedFiles();

        assertQuotaProblem(uploadRaw(user, big), "dataset-quota-exceeded", "DATASET_BYTES_QUOTA",
                "limit 4000 bytes, in use " + big.length + " bytes");
        assertQuotaProblem(as(user).header("Upload-Length", big.length).header("Tus-Resumable", "1.0.0")
                        .queryParam("name", "resumed.jsonl").when().post("/api/v1/uploads"),
                "dataset-quota-exceeded", "DATASET_BYTES_QUOTA", "in use " + big.length);
        assertThat(count("SELECT count(*) FROM datasets WHERE user_id = ?", user)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM uploads WHERE user_id = ?", user)).isZero();
        assertThat(storedFiles()).isEqualTo(files);
    }

    @Test
    void concurrentUploadsCannotRacePastTheCountQuota() throws Exception {
        String user = newUser();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(pool.submit(() -> uploadRaw(user, jsonl(Fixtures.TEXT)).statusCode()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                statuses.add(answer.get());
            }

            assertThat(statuses).containsOnly(201, 409).filteredOn(s -> s == 201).hasSize(3);
            assertThat(count("SELECT count(*) FROM datasets WHERE user_id = ?", user)).isEqualTo(3);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDeploymentsArtifactsPastTheirQuotasAreRefusedAndNothingIsStored() {
        String user = newUser();
        UUID deployment = UUID.randomUUID();
        Fixtures.openGrant(user, Fixtures.uploadValid(user), deployment);
        byte[] model = new byte[300_000];
        Arrays.fill(model, (byte) 7);
        putArtifact(deployment, "model.safetensors", model).then().statusCode(201);
        putArtifact(deployment, "config.json", new byte[100]).then().statusCode(201);
        long files = storedFiles();

        assertQuotaProblem(putArtifact(deployment, "third.bin", new byte[10]), "artifact-quota-exceeded",
                "ARTIFACT_COUNT_QUOTA", "limit 2, in use 2");
        assertQuotaProblem(putArtifact(deployment, "config.json", model), "artifact-quota-exceeded",
                "ARTIFACT_BYTES_QUOTA", "limit 500000 bytes, in use 300000 bytes");
        assertThat(count("SELECT count(*) FROM artifacts WHERE deployment_id = ?", deployment)).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM artifacts WHERE deployment_id = ? AND name = 'config.json'"
                + " AND bytes = 100 AND complete", deployment)).as("the refused replacement left the old one").isOne();
        assertThat(storedFiles()).isEqualTo(files);
        putArtifact(deployment, "model.safetensors", new byte[400_000]).then().statusCode(201);
    }

    private static Response uploadRaw(String user, byte[] content) {
        return as(user).contentType("application/x-ndjson").queryParam("name", "data.jsonl").body(content)
                .when().post("/api/v1/datasets");
    }

    private static Response putArtifact(UUID deployment, String name, byte[] content) {
        return asPod(deployment).contentType("application/octet-stream").body(content)
                .when().put("/api/v1/pod/artifacts/" + name);
    }

    private static void assertQuotaProblem(Response r, String type, String code, String usage) {
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(409);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.jsonPath().getString("type")).isEqualTo("https://trainpod.dev/problems/" + type);
        assertThat(r.jsonPath().getString("errors[0].code")).isEqualTo(code);
        assertThat(r.jsonPath().getString("errors[0].message")).contains(usage);
        assertThat(r.jsonPath().getString("errors[0].hint")).isNotBlank();
    }

    /** Every file the service holds, staged or stored. */
    private static long storedFiles() {
        try (Stream<Path> all = Files.walk(Fixtures.STORAGE)) {
            return all.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
