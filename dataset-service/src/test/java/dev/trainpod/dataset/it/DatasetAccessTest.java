package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.as;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.uploadValid;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class DatasetAccessTest {

    @Test
    void listShowsOnlyTheCallersDatasetsNewestFirst() {
        String alice = newUser();
        String first = uploadValid(alice);
        String second = uploadValid(alice);
        uploadValid(newUser());

        as(alice).when().get("/api/v1/datasets")
                .then().statusCode(200)
                .body("id", contains(second, first))
                .body("[0].format", equalTo("SFT_MESSAGES"))
                .body("[0]", not(hasKey("userId")));
    }

    @Test
    void ownerReadsTheSummary() {
        String alice = newUser();
        String id = uploadValid(alice);

        as(alice).when().get("/api/v1/datasets/" + id)
                .then().statusCode(200)
                .body("id", equalTo(id))
                .body("rows", equalTo(2))
                .body("fitsMethods", contains("SFT"));
    }

    @Test
    void anotherUsersDatasetIsNotFound() {
        String alice = newUser();
        String id = uploadValid(alice);
        String mallory = newUser();

        as(mallory).when().get("/api/v1/datasets/" + id)
                .then().statusCode(404).contentType("application/problem+json")
                .body("status", equalTo(404));
        as(mallory).when().delete("/api/v1/datasets/" + id)
                .then().statusCode(404).contentType("application/problem+json");
        as(alice).when().get("/api/v1/datasets/" + id).then().statusCode(200);
        assertThat(Files.exists(Fixtures.STORAGE.resolve(id + ".jsonl"))).isTrue();
    }

    @Test
    void deleteRemovesTheDatasetAndItsFile() {
        String alice = newUser();
        String id = uploadValid(alice);

        as(alice).when().delete("/api/v1/datasets/" + id).then().statusCode(204);

        as(alice).when().get("/api/v1/datasets/" + id).then().statusCode(404);
        assertThat(Files.exists(Fixtures.STORAGE.resolve(id + ".jsonl"))).isFalse();
        assertThat(Fixtures.count("SELECT count(*) FROM datasets WHERE id = ?", UUID.fromString(id))).isZero();
    }

    @Test
    void malformedOrUnknownIdIsNotFound() {
        as(newUser()).when().get("/api/v1/datasets/not-a-uuid")
                .then().statusCode(404).contentType("application/problem+json");
        as(newUser()).when().delete("/api/v1/datasets/not-a-uuid")
                .then().statusCode(404).contentType("application/problem+json");
        as(newUser()).when().get("/api/v1/datasets/" + UUID.randomUUID())
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void requestWithoutTokenIsUnauthorized() {
        given().when().get("/api/v1/datasets")
                .then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer");
    }

    @Test
    void jobAndServiceTokensCannotUseTheUserApi() {
        given().auth().oauth2(TrainpodTestResource.keys().jobToken(UUID.randomUUID()))
                .when().get("/api/v1/datasets")
                .then().statusCode(403).contentType("application/problem+json");
        Fixtures.asService().when().get("/api/v1/datasets")
                .then().statusCode(403).contentType("application/problem+json");
    }
}
