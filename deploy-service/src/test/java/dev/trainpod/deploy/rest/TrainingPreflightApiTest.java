package dev.trainpod.deploy.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.trainpod.common.testing.TrainpodTestResource;
import dev.trainpod.deploy.testing.HubStub;
import dev.trainpod.deploy.testing.UpstreamStub;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.service.DeploymentStateMachine;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The training options' pre-flight through the API: a GPU count the training cannot use, a Hub push the stored
 * token may not make (asked of a real local server in the Hub's place) and W&B reporting without a key are each a
 * 422 problem with a hint, before any deployment is stored or pod created. RunPod and dataset-service are stubbed
 * (a 1000-row SFT dataset, an L40S catalog), so the same bodies without their one fault pass to the estimate.
 * Also the models a user trained, with their lineage.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "deploy_test"))
@QuarkusTestResource(UpstreamStub.class)
@QuarkusTestResource(HubStub.class)
class TrainingPreflightApiTest {

    @Inject
    DeploymentRepository deployments;
    @Inject
    DeploymentStateMachine states;

    private static String auth(String user) {
        return "Bearer " + TrainpodTestResource.keys().userToken(user);
    }

    private static void put(String user, String path, String body) {
        given().header("Authorization", auth(user)).contentType("application/json").body(body)
                .put("/api/v1/secrets/" + path).then().statusCode(204);
    }

    /** A body the checks accept, with extra top-level fields (a JSON object's inside, may be empty). */
    private static String body(int gpus, int batchSize, String extra) {
        return "{\"datasetId\": \"" + UUID.randomUUID() + "\", \"baseModel\": \"Qwen/Qwen2.5-0.5B\", \"method\": \"SFT\","
                + " \"hyperparameters\": {\"batchSize\": " + batchSize + "},"
                + " \"gpu\": {\"types\": [\"" + UpstreamStub.GPU + "\"], \"count\": " + gpus + "},"
                + " \"limits\": {\"maxRuntimeMinutes\": 600, \"maxCostUsd\": 500}, \"simulation\": {\"steps\": 30}"
                + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    private static ValidatableResponse deploy(String user, String body) {
        return given().header("Authorization", auth(user)).contentType("application/json").body(body)
                .post("/api/v1/deployments").then();
    }

    private static ValidatableResponse estimate(String user, String body) {
        return given().header("Authorization", auth(user)).contentType("application/json").body(body)
                .post("/api/v1/estimates").then();
    }

    private static void refusedBeforeAnyPod(String user, ValidatableResponse r, String field, String code,
                                            String hintPart) {
        r.statusCode(422).contentType("application/problem+json")
                .body("errors.size()", equalTo(1))
                .body("errors[0].field", equalTo(field))
                .body("errors[0].code", equalTo(code))
                .body("errors[0].hint", containsString(hintPart));
        given().header("Authorization", auth(user)).get("/api/v1/deployments")
                .then().statusCode(200).body("size()", equalTo(0));
        String stub = ConfigProvider.getConfig().getValue("quarkus.rest-client.runpod.url", String.class);
        assertThat(given().get(stub + "/_calls").then().extract().asString()).doesNotContain("POST /v2/pods");
    }

    @Test
    void aGpuCountTheTrainingCannotUseIsRefusedBeforeAnyPodExists() {
        String user = "gpus-" + UUID.randomUUID();
        put(user, "runpod", "{\"apiKey\": \"rpa_STUBSTUBSTUBSTUBSTUB\"}");
        // 8 GPUs × 256 rows per batch, more than the stubbed dataset holds: GPUs would be billed without a batch
        refusedBeforeAnyPod(user, deploy(user, body(8, 256, "")), "gpu.count", "GPU_COUNT_UNUSABLE",
                "or fewer (every GPU is billed)");
        estimate(user, body(2, 4, "")).statusCode(200)
                .body("assumptions", hasItem(containsString("2 × " + UpstreamStub.GPU)));
    }

    @Test
    void aHubPushWithoutWritePermissionFailsPreflightWithAHint() {
        String user = "hub-" + UUID.randomUUID();
        put(user, "runpod", "{\"apiKey\": \"rpa_STUBSTUBSTUBSTUBSTUB\"}");
        String push = "\"output\": {\"huggingface\": {\"repo\": \"alice/qwen-support\", \"private\": true}}";
        refusedBeforeAnyPod(user, deploy(user, body(1, 4, push)), "output.huggingface.repo", "HF_TOKEN_MISSING",
                "PUT /api/v1/secrets/huggingface");
        put(user, "huggingface", "{\"token\": \"" + HubStub.READ_TOKEN + "\"}");
        refusedBeforeAnyPod(user, deploy(user, body(1, 4, push)), "output.huggingface.repo", "HF_TOKEN_CANNOT_WRITE",
                "Write role");
        put(user, "huggingface", "{\"token\": \"" + HubStub.WRITE_TOKEN + "\"}");
        estimate(user, body(1, 4, push)).statusCode(200);
        refusedBeforeAnyPod(user, estimate(user, body(1, 4, push.replace("alice/", "acme/"))),
                "output.huggingface.repo", "HF_TOKEN_CANNOT_WRITE", "repo.write on acme");
    }

    @Test
    void evaluationAndReportingOptionsAreCheckedAndPassWhenSound() {
        String user = "eval-" + UUID.randomUUID();
        put(user, "runpod", "{\"apiKey\": \"rpa_STUBSTUBSTUBSTUBSTUB\"}");
        refusedBeforeAnyPod(user, deploy(user, body(1, 4, "\"earlyStopping\": {\"patience\": 2}")), "earlyStopping",
                "EARLY_STOPPING_NEEDS_VALIDATION", "validation");
        String wandb = "\"reporting\": {\"wandb\": {\"project\": \"p\"}}";
        refusedBeforeAnyPod(user, deploy(user, body(1, 4, wandb)), "reporting.wandb", "WANDB_KEY_MISSING",
                "PUT /api/v1/secrets/wandb");
        put(user, "wandb", "{\"apiKey\": \"0123456789abcdef0123456789abcdef01234567\"}");
        given().header("Authorization", auth(user)).get("/api/v1/secrets/wandb")
                .then().statusCode(200).body("configured", equalTo(true)).body("last4", equalTo("4567"));
        estimate(user, body(1, 4, wandb + ", \"validation\": {\"fraction\": 0.1, \"everySteps\": 20},"
                + " \"earlyStopping\": {\"patience\": 2, \"minDelta\": 0.01},"
                + " \"checkpoint\": {\"everySteps\": 100, \"everyMinutes\": 10}")).statusCode(200);
    }

    @Test
    void theModelsAUserTrainedAreListedWithTheirLineage() throws Throwable {
        String user = "models-" + UUID.randomUUID();
        Deployment d = new Deployment();
        d.id = UUID.randomUUID();
        d.userId = user;
        d.datasetId = UUID.randomUUID();
        d.datasetSha256 = "ab".repeat(32);
        d.baseModel = "Qwen/Qwen2.5-0.5B";
        d.method = "SFT";
        d.request = "{\"datasetId\": \"" + d.datasetId + "\", \"baseModel\": \"Qwen/Qwen2.5-0.5B\", \"method\": \"SFT\","
                + " \"hyperparameters\": {\"adapter\": \"qlora\", \"epochs\": 2},"
                + " \"gpu\": {\"types\": [\"NVIDIA L40S\"], \"count\": 1},"
                + " \"limits\": {\"maxRuntimeMinutes\": 60, \"maxCostUsd\": 5},"
                + " \"validation\": {\"fraction\": 0.1},"
                + " \"output\": {\"huggingface\": {\"repo\": \"alice/qwen-support\", \"revision\": \"v2\"}}}";
        d.status = DeploymentStatus.RUNNING;
        d.podId = "pod-models";
        d.gpuType = "NVIDIA L40S";
        d.gpuCount = 1;
        d.costPerHour = BigDecimal.ONE;
        d.costUsd = new BigDecimal("0.42");
        d.evalLoss = 1.25;
        d.createdAt = Instant.now();
        d.updatedAt = d.createdAt;
        d.podCreatedAt = d.createdAt;
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> deployments.persist(d)
                .chain(() -> deployments.locked(d.id))
                .chain(locked -> states.move(locked, DeploymentStatus.SUCCEEDED, null, "done"))));

        given().header("Authorization", auth(user)).get("/api/v1/models").then().statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].id", equalTo(d.id.toString()))
                .body("[0].baseModel", equalTo("Qwen/Qwen2.5-0.5B"))
                .body("[0].adapter", equalTo("qlora"))
                .body("[0].datasetSha256", equalTo("ab".repeat(32)))
                .body("[0].validation.fraction", equalTo(0.1f))
                .body("[0].hyperparameters.epochs", equalTo(2.0f))
                .body("[0].hyperparameters.loraR", equalTo(16))
                .body("[0].costUsd", equalTo(0.42f))
                .body("[0].evalLoss", equalTo(1.25f))
                .body("[0].location.huggingface", equalTo("https://huggingface.co/alice/qwen-support/tree/v2"))
                .body("[0].location.artifacts", equalTo("/api/v1/artifacts?deploymentId=" + d.id));
        given().header("Authorization", auth("someone-else")).get("/api/v1/models").then().statusCode(200)
                .body("size()", equalTo(0));
    }
}
