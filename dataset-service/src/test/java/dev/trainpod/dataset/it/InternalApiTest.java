package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.as;
import static dev.trainpod.dataset.it.Fixtures.asService;
import static dev.trainpod.dataset.it.Fixtures.jsonl;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.upload;
import static dev.trainpod.dataset.it.Fixtures.uploadValid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class InternalApiTest {

    @Test
    void userTokenIsForbiddenOnTheInternalApi() {
        String alice = newUser();
        String id = uploadValid(alice);

        as(alice).queryParam("userId", alice).when().get("/internal/v1/datasets/" + id)
                .then().statusCode(403).contentType("application/problem+json");
        as(alice).contentType("application/json")
                .body("{\"userId\":\"" + alice + "\",\"datasetId\":\"" + id + "\",\"deploymentId\":\""
                        + UUID.randomUUID() + "\"}")
                .when().post("/internal/v1/download-tokens")
                .then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void serviceReadsTheSummaryWithItsOwner() {
        String alice = newUser();
        byte[] content = jsonl(Fixtures.DPO);
        String id = upload(alice, content).getString("id");

        asService().queryParam("userId", alice).when().get("/internal/v1/datasets/" + id)
                .then().statusCode(200)
                .body("id", equalTo(id))
                .body("userId", equalTo(alice))
                .body("format", equalTo("DPO"))
                .body("fitsMethods[0]", equalTo("DPO"))
                .body("sha256", equalTo(Fixtures.sha256(content)))
                .body("bytes", equalTo(content.length));
    }

    @Test
    void serviceGetsNotFoundForAnotherUsersOrMissingDataset() {
        String id = uploadValid(newUser());

        asService().queryParam("userId", newUser()).when().get("/internal/v1/datasets/" + id)
                .then().statusCode(404).contentType("application/problem+json");
        asService().queryParam("userId", newUser()).when().get("/internal/v1/datasets/" + UUID.randomUUID())
                .then().statusCode(404).contentType("application/problem+json");
        asService().queryParam("userId", newUser()).when().get("/internal/v1/datasets/nope")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void summaryWithoutUserIdIsABadRequest() {
        asService().when().get("/internal/v1/datasets/" + uploadValid(newUser()))
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void mintedTokenIsAnsweredOnceAndStoredOnlyAsItsHash() {
        String alice = newUser();
        byte[] content = jsonl(Fixtures.MESSAGES);
        String id = upload(alice, content).getString("id");
        UUID deployment = UUID.randomUUID();

        JsonPath minted = Fixtures.mint(alice, id, deployment, null, null);

        String token = minted.getString("token");
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(minted.getString("url")).isEqualTo("http://localhost:8082/api/v1/downloads/" + token);
        assertThat(minted.getString("sha256")).isEqualTo(Fixtures.sha256(content));
        assertThat(minted.getLong("bytes")).isEqualTo(content.length);
        assertThat(Instant.parse(minted.getString("expiresAt")))
                .isBetween(Instant.now().plus(Duration.ofMinutes(119)), Instant.now().plus(Duration.ofMinutes(121)));
        assertThat(Fixtures.count("SELECT count(*) FROM download_tokens WHERE token_hash = ? AND deployment_id = ?"
                + " AND max_uses = 5 AND uses = 0", Fixtures.sha256(token), deployment)).isEqualTo(1);
        assertThat(Fixtures.count("SELECT count(*) FROM download_tokens WHERE token_hash = ? OR user_id = ?",
                token, token)).isZero();
        assertThat(Fixtures.mint(alice, id, deployment, null, null).getString("token")).isNotEqualTo(token);
    }

    @Test
    void mintingForAnInvalidDatasetIsUnprocessable() {
        String alice = newUser();
        String id = upload(alice, jsonl("not json")).getString("id");

        asService().contentType("application/json")
                .body("{\"userId\":\"" + alice + "\",\"datasetId\":\"" + id + "\",\"deploymentId\":\""
                        + UUID.randomUUID() + "\"}")
                .when().post("/internal/v1/download-tokens")
                .then().statusCode(422).contentType("application/problem+json")
                .body("type", endsWith("/dataset-invalid"))
                .body("errors[0].field", equalTo("datasetId"));
    }

    @Test
    void mintingForAnotherUsersDatasetIsNotFound() {
        String id = uploadValid(newUser());

        asService().contentType("application/json")
                .body("{\"userId\":\"" + newUser() + "\",\"datasetId\":\"" + id + "\",\"deploymentId\":\""
                        + UUID.randomUUID() + "\"}")
                .when().post("/internal/v1/download-tokens")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void aDownloadTokenLivesAtMostTwoHours() {
        String alice = newUser();
        String id = uploadValid(alice);
        Instant before = Instant.now();

        JsonPath longest = Fixtures.mint(alice, id, UUID.randomUUID(), 7200, null);
        JsonPath byDefault = Fixtures.mint(alice, id, UUID.randomUUID(), null, null);
        asService().contentType("application/json")
                .body("{\"userId\":\"" + alice + "\",\"datasetId\":\"" + id + "\",\"deploymentId\":\""
                        + UUID.randomUUID() + "\",\"ttlSeconds\":7201}")
                .when().post("/internal/v1/download-tokens")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("ttlSeconds"))
                .body("errors[0].message", equalTo("must be at most 7200 (2 h): a pod refreshes its link through its"
                        + " job token"));

        Instant latest = Instant.now().plus(Duration.ofHours(2)).plusSeconds(1);
        for (JsonPath minted : new JsonPath[] {longest, byDefault}) {
            Instant expires = Instant.parse(minted.getString("expiresAt"));
            assertThat(expires).isBetween(before.plus(Duration.ofHours(2)).minusSeconds(1), latest);
        }
    }

    @Test
    void mintingWithMissingOrMalformedFieldsIsABadRequest() {
        asService().contentType("application/json").body("{\"datasetId\":\"" + UUID.randomUUID() + "\"}")
                .when().post("/internal/v1/download-tokens")
                .then().statusCode(400).contentType("application/problem+json");
        asService().contentType("application/json")
                .body("{\"userId\":\"u\",\"datasetId\":\"nope\",\"deploymentId\":\"" + UUID.randomUUID() + "\"}")
                .when().post("/internal/v1/download-tokens")
                .then().statusCode(400).contentType("application/problem+json");
        asService().contentType("application/json").body("{\"userId\":")
                .when().post("/internal/v1/download-tokens")
                .then().statusCode(400).contentType("application/problem+json");
        asService().contentType("application/json")
                .body("{\"userId\":\"u\",\"datasetId\":\"" + UUID.randomUUID() + "\",\"deploymentId\":\""
                        + UUID.randomUUID() + "\",\"maxUses\":0}")
                .when().post("/internal/v1/download-tokens")
                .then().statusCode(400).contentType("application/problem+json");
        asService().contentType("application/json")
                .when().post("/internal/v1/download-tokens")
                .then().statusCode(400).contentType("application/problem+json");
    }
}
