package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.asPod;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.sha256;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.event.ArtifactsStored;
import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pod declares its artifacts final (issue 12): dataset-service records the declaration and publishes
 * {@code ArtifactsStored} through its outbox in the same transaction, once per deployment, and only when every named
 * artifact is stored complete.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class ArtifactDeclarationTest {

    private static final String DECLARE = "/api/v1/pod/artifacts";

    private UUID deployment;
    private byte[] model;

    @BeforeEach
    void openDeployment() {
        String user = newUser();
        deployment = UUID.randomUUID();
        Fixtures.openGrant(user, Fixtures.uploadValid(user), deployment);
        model = new byte[50_000];
        new Random(7).nextBytes(model);
    }

    @Test
    void declaringStoredArtifactsPublishesArtifactsStoredOnceWithEachArtifact() {
        String modelId = put("model.bin", model);
        String summaryId = put("summary.json", "{}".getBytes());

        asPod(deployment).contentType("application/json").body("{\"names\": [\"model.bin\", \"summary.json\"]}")
                .when().post(DECLARE)
                .then().statusCode(201)
                .body("deploymentId", equalTo(deployment.toString()))
                .body("artifacts.name", contains("model.bin", "summary.json"))
                .body("artifacts[0].id", equalTo(modelId))
                .body("artifacts[0].sha256", equalTo(sha256(model)));
        // the pod lost the answer and asks again: the same declaration, no second event
        asPod(deployment).contentType("application/json").body("{\"names\": [\"model.bin\"]}")
                .when().post(DECLARE)
                .then().statusCode(200).body("artifacts.name", contains("model.bin", "summary.json"));

        List<ConsumerRecord<String, String>> events = Fixtures.eventsOn(deployment, "ArtifactsStored",
                Duration.ofSeconds(2));
        assertThat(events).hasSize(1);
        ArtifactsStored event = (ArtifactsStored) EventCodec.fromJson("ArtifactsStored", events.get(0).value());
        assertThat(event.deploymentId()).isEqualTo(deployment);
        assertThat(event.storedAt()).isNotNull();
        assertThat(event.artifacts()).containsExactly(
                new ArtifactsStored.Artifact(UUID.fromString(modelId), "model.bin", model.length, sha256(model)),
                new ArtifactsStored.Artifact(UUID.fromString(summaryId), "summary.json", 2, sha256("{}")));
        assertThat(Fixtures.count("SELECT count(*) FROM artifact_declarations WHERE deployment_id = ?", deployment))
                .isEqualTo(1);
    }

    @Test
    void aTrainerThatLeftNoOutputDeclaresAnEmptySet() {
        asPod(deployment).contentType("application/json").body("{\"names\": []}")
                .when().post(DECLARE)
                .then().statusCode(201).body("artifacts", org.hamcrest.Matchers.empty());
        assertThat(Fixtures.eventsOn(deployment, "ArtifactsStored", Duration.ofSeconds(1))).hasSize(1);
    }

    @Test
    void anArtifactNotStoredCompleteRefusesTheDeclarationAndPublishesNothing() {
        put("model.bin", model);
        asPod(deployment).header("Content-Range", "bytes 0-999/50000").body(new byte[1000])
                .when().put("/api/v1/pod/artifacts/half.bin").then().statusCode(202);

        asPod(deployment).contentType("application/json")
                .body("{\"names\": [\"model.bin\", \"half.bin\", \"never.bin\"]}")
                .when().post(DECLARE)
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", endsWith("/artifacts-incomplete"))
                .body("detail", containsString("half.bin, never.bin"))
                .body("detail", containsString("PUT /api/v1/pod/artifacts/{name}"));

        assertThat(Fixtures.count("SELECT count(*) FROM artifact_declarations WHERE deployment_id = ?", deployment))
                .isZero();
        assertThat(Fixtures.count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND type = ?",
                deployment.toString(), "ArtifactsStored")).isZero();
    }

    @Test
    void badDeclarationsAreProblemsNotServerErrors() {
        asPod(deployment).contentType("application/json").body("{\"names\": [\"../etc/passwd\"]}")
                .when().post(DECLARE)
                .then().statusCode(400).contentType("application/problem+json");
        asPod(deployment).contentType("application/json").body("{}")
                .when().post(DECLARE)
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("names"));
        asPod(deployment).contentType("application/json").body("{\"names\": \"model.bin\"}")
                .when().post(DECLARE)
                .then().statusCode(400).contentType("application/problem+json");
        asPod(UUID.randomUUID()).contentType("application/json").body("{\"names\": []}")
                .when().post(DECLARE)
                .then().statusCode(404).contentType("application/problem+json");
        Fixtures.as(newUser()).contentType("application/json").body("{\"names\": []}")
                .when().post(DECLARE)
                .then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void aPodOfAnEndedDeploymentCannotDeclare() {
        put("model.bin", model);
        Fixtures.publish(new TrainingFailed(deployment, "FAILED_PROVIDER", "gone", null, null));
        await().atMost(Duration.ofSeconds(30)).until(() -> Fixtures.count(
                "SELECT count(*) FROM deployment_grants WHERE deployment_id = ? AND ended_at IS NOT NULL",
                deployment) == 1);

        asPod(deployment).contentType("application/json").body("{\"names\": [\"model.bin\"]}")
                .when().post(DECLARE)
                .then().statusCode(410).contentType("application/problem+json");
        assertThat(Fixtures.count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND type = ?",
                deployment.toString(), "ArtifactsStored")).isZero();
    }

    @Test
    void aPodWriteBeforeItsDeploymentIsKnownIsTakenOnTheTokensOwnerAsInMetricsService() {
        UUID early = UUID.randomUUID();
        String owner = newUser();
        String token = TrainpodTestResource.keys().jobToken(early, owner);

        given().auth().oauth2(token).contentType("application/octet-stream").body(model)
                .when().put("/api/v1/pod/artifacts/model.bin").then().statusCode(201);
        given().auth().oauth2(token).contentType("application/json").body("{\"names\": [\"model.bin\"]}")
                .when().post(DECLARE).then().statusCode(201).body("artifacts.name", contains("model.bin"));

        assertThat(Fixtures.queryValue("SELECT user_id FROM deployment_grants WHERE deployment_id = ?", early))
                .isEqualTo(owner);
        assertThat(Fixtures.queryValue("SELECT user_id FROM artifacts WHERE deployment_id = ?", early))
                .isEqualTo(owner);
        // a token that names no owner (signed before the claim existed) is still refused: nothing to open it with
        UUID unknown = UUID.randomUUID();
        asPod(unknown).contentType("application/octet-stream").body(model)
                .when().put("/api/v1/pod/artifacts/model.bin").then().statusCode(404)
                .body("type", endsWith("/deployment-not-found"));
        assertThat(Fixtures.count("SELECT count(*) FROM deployment_grants WHERE deployment_id = ?", unknown)).isZero();
    }

    private String put(String name, byte[] content) {
        return asPod(deployment).contentType("application/octet-stream").body(content)
                .when().put("/api/v1/pod/artifacts/" + name)
                .then().statusCode(201).extract().path("id");
    }
}
