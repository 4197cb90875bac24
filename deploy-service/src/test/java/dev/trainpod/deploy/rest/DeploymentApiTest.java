package dev.trainpod.deploy.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "deploy_test"))
class DeploymentApiTest {

    private static String user(String id) {
        return "Bearer " + TrainpodTestResource.keys().userToken(id);
    }

    @Test
    void requestWithoutTokenIsRejectedAsProblem() {
        given().get("/api/v1/deployments")
                .then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void podJobTokenIsNotAcceptedHere() {
        // A job token's audience is dataset- and metrics-service, never the user API.
        given().header("Authorization", "Bearer " + TrainpodTestResource.keys().jobToken(UUID.randomUUID()))
                .get("/api/v1/deployments")
                .then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void serviceTokenCannotCallUserEndpoints() {
        given().header("Authorization", "Bearer " + TrainpodTestResource.keys().serviceToken())
                .get("/api/v1/deployments")
                .then().statusCode(401);
    }

    @Test
    void malformedJsonIsABadRequestProblem() {
        given().header("Authorization", user("alice")).contentType("application/json").body("{\"datasetId\": ")
                .post("/api/v1/deployments")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://trainpod.dev/problems/malformed-json"));
    }

    @Test
    void everyFailedPreflightCheckIsReportedAtOnce() {
        given().header("Authorization", user("alice")).contentType("application/json")
                .body("{\"method\": \"PPO\", \"gpu\": {\"types\": [], \"cloud\": \"MOON\"},"
                        + " \"limits\": {\"maxRuntimeMinutes\": 0, \"maxCostUsd\": -1}}")
                .post("/api/v1/deployments")
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors.code", containsInAnyOrder("DATASET_REQUIRED", "BASE_MODEL_REQUIRED", "METHOD_INVALID",
                        "GPU_TYPES_REQUIRED", "CLOUD_INVALID", "MAX_RUNTIME_INVALID", "MAX_COST_INVALID",
                        "RUNPOD_KEY_MISSING"))
                .body("errors.find { it.code == 'RUNPOD_KEY_MISSING' }.hint",
                        org.hamcrest.Matchers.containsString("PUT /api/v1/secrets/runpod"))
                .body("errors.field", hasItem("limits.maxCostUsd"))
                .body("errors.hint", everyItem(not(emptyOrNullString())));
        given().header("Authorization", user("alice")).get("/api/v1/deployments")
                .then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void outOfRangeLimitsAndCountAreReportedWithHints() {
        given().header("Authorization", user("alice")).contentType("application/json")
                .body("{\"gpu\": {\"types\": [\"NVIDIA L40S\"], \"count\": 0},"
                        + " \"limits\": {\"maxRuntimeMinutes\": 60, \"maxCostUsd\": 5, \"idleMinutes\": 0,"
                        + " \"capacityWaitMinutes\": -1}}")
                .post("/api/v1/deployments")
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors.code", hasItems("GPU_COUNT_INVALID", "IDLE_MINUTES_INVALID", "CAPACITY_WAIT_INVALID"))
                .body("errors.hint", everyItem(not(emptyOrNullString())));
    }

    @Test
    void estimateWithoutAStoredKeyExplainsWhatIsMissing() {
        given().header("Authorization", user("carol")).contentType("application/json")
                .body("{\"baseModel\": \"Qwen/Qwen2.5-0.5B\", \"method\": \"SFT\","
                        + " \"gpu\": {\"types\": [\"NVIDIA L40S\"]}}")
                .post("/api/v1/estimates")
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors.code", hasItems("DATASET_REQUIRED", "RUNPOD_KEY_MISSING"))
                .body("errors.code", not(hasItem("MAX_COST_INVALID")));
    }

    @Test
    void retryOfAnUnknownDeploymentIsNotFound() {
        given().header("Authorization", user("alice")).post("/api/v1/deployments/" + UUID.randomUUID() + "/retry")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void gpuTypesWithoutAStoredKeyIsAConflictProblem() {
        given().header("Authorization", user("dave")).get("/api/v1/gpu-types")
                .then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void unknownOrMalformedDeploymentIdIsNotFound() {
        given().header("Authorization", user("alice")).get("/api/v1/deployments/" + UUID.randomUUID())
                .then().statusCode(404).contentType("application/problem+json");
        given().header("Authorization", user("alice")).get("/api/v1/deployments/not-a-uuid")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void secretStatusShowsNothingConfiguredForANewUser() {
        given().header("Authorization", user("bob")).get("/api/v1/secrets/runpod")
                .then().statusCode(200).body("configured", equalTo(false));
    }

    @Test
    void malformedRunPodKeyIsRejectedBeforeCallingRunPod() {
        given().header("Authorization", user("bob")).contentType("application/json").body("{\"apiKey\": \"x y\"}")
                .put("/api/v1/secrets/runpod")
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].code", equalTo("RUNPOD_KEY_MALFORMED"));
    }

    @Test
    void huggingFaceTokenIsStoredSealedAndShownOnlyByItsLastFourCharacters() {
        String token = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        given().header("Authorization", user("erin")).get("/api/v1/secrets/huggingface")
                .then().statusCode(200).body("configured", equalTo(false));
        given().header("Authorization", user("erin")).contentType("application/json")
                .body("{\"token\": \"" + token + "\"}").put("/api/v1/secrets/huggingface")
                .then().statusCode(204);
        given().header("Authorization", user("erin")).get("/api/v1/secrets/huggingface")
                .then().statusCode(200).body("configured", equalTo(true)).body("last4", equalTo("6789"))
                .body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("AbCdEf")));
        given().header("Authorization", user("frank")).get("/api/v1/secrets/huggingface")
                .then().statusCode(200).body("configured", equalTo(false));
        given().header("Authorization", user("erin")).get("/api/v1/secrets/runpod")
                .then().statusCode(200).body("configured", equalTo(false));
        given().header("Authorization", user("erin")).delete("/api/v1/secrets/huggingface")
                .then().statusCode(204);
        given().header("Authorization", user("erin")).get("/api/v1/secrets/huggingface")
                .then().statusCode(200).body("configured", equalTo(false));
    }

    @Test
    void malformedHuggingFaceTokenIsRejectedWithAHint() {
        String[] bodies = {"{\"token\": \"not-a-token\"}", "{\"token\": \"hf_abc def ghi jkl\"}", "{}"};
        for (String body : bodies) {
            given().header("Authorization", user("erin")).contentType("application/json").body(body)
                    .put("/api/v1/secrets/huggingface")
                    .then().statusCode(422).contentType("application/problem+json")
                    .body("errors[0].code", equalTo("HUGGINGFACE_TOKEN_MALFORMED"))
                    .body("errors[0].hint", org.hamcrest.Matchers.containsString("huggingface.co"));
        }
    }
}
