package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.asService;
import static dev.trainpod.dataset.it.Fixtures.downloadPath;
import static dev.trainpod.dataset.it.Fixtures.mint;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.uploadValid;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;

import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class RevocationTest {

    static Stream<Function<UUID, LifecycleEvent>> terminalEvents() {
        return Stream.of(
                id -> new TrainingFailed(id, "FAILED_TRAINING", "loss is NaN", 1, "Traceback ..."),
                id -> new TrainingSucceeded(id, "done"),
                id -> new DeploymentEnded(id, "CANCELLED", "CANCELLED_BY_USER", 60, BigDecimal.ONE));
    }

    @ParameterizedTest
    @MethodSource("terminalEvents")
    void terminalEventRevokesTheDeploymentsTokens(Function<UUID, LifecycleEvent> terminal) {
        String user = newUser();
        String dataset = uploadValid(user);
        UUID deployment = UUID.randomUUID();
        String revoked = downloadPath(mint(user, dataset, deployment, null, null));
        String otherDeployment = downloadPath(mint(user, dataset, UUID.randomUUID(), null, null));
        given().when().head(revoked).then().statusCode(200);

        Fixtures.publish(terminal.apply(deployment));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().when().head(revoked).statusCode() == 410);
        given().when().get(revoked)
                .then().statusCode(410).contentType("application/problem+json")
                .body("type", endsWith("/download-revoked"));
        given().header("Range", "bytes=10-").when().get(revoked).then().statusCode(410);
        given().when().get(otherDeployment).then().statusCode(200);
    }

    @Test
    void noTokenIsMintedForADeploymentThatHasEnded() {
        String user = newUser();
        String dataset = uploadValid(user);
        UUID deployment = UUID.randomUUID();

        Fixtures.publish(new TrainingFailed(deployment, "FAILED_NO_CAPACITY", "no GPU", null, null));
        await().atMost(Duration.ofSeconds(30)).until(() -> Fixtures.count(
                "SELECT count(*) FROM deployment_grants WHERE deployment_id = ? AND ended_at IS NOT NULL",
                deployment) == 1);

        mintRequest(user, dataset, deployment)
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", endsWith("/deployment-ended"));
    }

    @Test
    void tokensAreMintedOnlyForTheDatasetTheDeploymentWasRequestedWith() {
        String user = newUser();
        String requested = uploadValid(user);
        String other = uploadValid(user);
        UUID deployment = UUID.randomUUID();

        Fixtures.publish(new DeploymentRequested(deployment, user, UUID.fromString(requested), "model", "SFT",
                List.of("NVIDIA RTX A4000"), 60, BigDecimal.TEN, 10, 100));
        await().atMost(Duration.ofSeconds(30)).until(() -> Fixtures.count(
                "SELECT count(*) FROM deployment_grants WHERE deployment_id = ?", deployment) == 1);

        mintRequest(user, other, deployment)
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", endsWith("/grant-mismatch"));
        mintRequest(user, requested, deployment).then().statusCode(201);
    }

    private static Response mintRequest(String user, String dataset, UUID deployment) {
        return asService().contentType("application/json")
                .body("{\"userId\":\"" + user + "\",\"datasetId\":\"" + dataset + "\",\"deploymentId\":\""
                        + deployment + "\"}")
                .when().post("/internal/v1/download-tokens");
    }
}
