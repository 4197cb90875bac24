package dev.trainpod.deploy.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.trainpod.common.testing.TrainpodTestResource;
import dev.trainpod.deploy.testing.UpstreamStub;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad numbers and hyperparameters in a deployment or estimate body: each is a 422 problem naming the field, with
 * a code and a hint, and nothing is persisted and no pod created. The user has a RunPod key and a valid dataset
 * (both stubbed), so the body without its one bad value would pass every check and reach the estimate.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "deploy_test"))
@QuarkusTestResource(UpstreamStub.class)
class PreflightNumbersApiTest {

    private static final String USER = "numbers";
    private static boolean keyStored;

    /** A body every check accepts, with {@code field} (e.g. "gpu.count") set to the raw JSON {@code value}. */
    private static String bodyWith(String field, String value) {
        Map<String, Map<String, String>> parts = new LinkedHashMap<>();
        parts.put("hyperparameters", new LinkedHashMap<>());
        parts.put("gpu", new LinkedHashMap<>(Map.of("types", "[\"" + UpstreamStub.GPU + "\"]")));
        parts.put("limits", new LinkedHashMap<>(Map.of("maxRuntimeMinutes", "60", "maxCostUsd", "5")));
        parts.put("simulation", new LinkedHashMap<>(Map.of("steps", "30")));
        if (field != null) {
            parts.get(field.substring(0, field.indexOf('.'))).put(field.substring(field.indexOf('.') + 1), value);
        }
        StringBuilder body = new StringBuilder("{\"datasetId\": \"" + UUID.randomUUID()
                + "\", \"baseModel\": \"Qwen/Qwen2.5-0.5B\", \"method\": \"SFT\"");
        parts.forEach((name, fields) -> body.append(", \"").append(name).append("\": {").append(fields.entrySet()
                .stream().map(e -> "\"" + e.getKey() + "\": " + e.getValue()).collect(Collectors.joining(", ")))
                .append('}'));
        return body.append('}').toString();
    }

    /** The accepted body with these hyperparameters (a JSON object's inside). */
    private static String bodyWithHyperparameters(String hyperparameters) {
        return bodyWith(null, null)
                .replace("\"hyperparameters\": {}", "\"hyperparameters\": {" + hyperparameters + "}");
    }

    static Stream<Arguments> badBodies() {
        return Stream.of(
                Arguments.of("hyperparameters.epochs", "\"NaN\"", "HYPERPARAMETER_WRONG_TYPE"),
                Arguments.of("hyperparameters.epochs", "\"2\"", "HYPERPARAMETER_WRONG_TYPE"),
                Arguments.of("hyperparameters.epochs", "1e308", "HYPERPARAMETER_OUT_OF_RANGE"),
                Arguments.of("hyperparameters.epochs", "1e400", "HYPERPARAMETER_OUT_OF_RANGE"),
                Arguments.of("hyperparameters.epochs", "-1", "HYPERPARAMETER_OUT_OF_RANGE"),
                Arguments.of("hyperparameters.epochs", "0", "HYPERPARAMETER_OUT_OF_RANGE"),
                Arguments.of("hyperparameters.maxSteps", "100000000000", "HYPERPARAMETER_OUT_OF_RANGE"),
                Arguments.of("hyperparameters.learningRate", "\"2e-4\"", "HYPERPARAMETER_WRONG_TYPE"),
                Arguments.of("hyperparameters.learningRate", "0", "HYPERPARAMETER_OUT_OF_RANGE"),
                Arguments.of("hyperparameters.batchSize", "4.5", "HYPERPARAMETER_WRONG_TYPE"),
                Arguments.of("hyperparameters.batchSize", "0", "HYPERPARAMETER_OUT_OF_RANGE"),
                Arguments.of("hyperparameters.batch_size", "4", "HYPERPARAMETER_UNKNOWN"),
                Arguments.of("hyperparameters.adapter", "\"dora\"", "HYPERPARAMETER_NOT_ALLOWED"),
                Arguments.of("hyperparameters.gradientCheckpointing", "1", "HYPERPARAMETER_WRONG_TYPE"),
                Arguments.of("hyperparameters.loraDropout", "1", "HYPERPARAMETER_OUT_OF_RANGE"),
                Arguments.of("hyperparameters.seed", "4294967296", "HYPERPARAMETER_OUT_OF_RANGE"),
                Arguments.of("gpu.count", "1000000", "GPU_COUNT_INVALID"),
                Arguments.of("gpu.count", "\"2\"", "NUMBER_INVALID"),
                Arguments.of("gpu.count", "1e10", "NUMBER_INVALID"),
                Arguments.of("gpu.count", "2.5", "NUMBER_INVALID"),
                Arguments.of("gpu.count", "true", "NUMBER_INVALID"),
                Arguments.of("limits.maxRuntimeMinutes", "\"NaN\"", "NUMBER_INVALID"),
                Arguments.of("limits.maxRuntimeMinutes", "-5", "MAX_RUNTIME_INVALID"),
                Arguments.of("limits.maxCostUsd", "\"NaN\"", "NUMBER_INVALID"),
                Arguments.of("limits.maxCostUsd", "1e308", "MAX_COST_INVALID"),
                Arguments.of("limits.maxCostUsd", "1e-999999999", "MAX_COST_INVALID"),
                Arguments.of("limits.idleMinutes", "\"Infinity\"", "NUMBER_INVALID"),
                Arguments.of("limits.capacityWaitMinutes", "99999999999", "NUMBER_INVALID"),
                Arguments.of("simulation.steps", "1e9", "SIMULATION_INVALID"),
                Arguments.of("simulation.stepSeconds", "\"NaN\"", "NUMBER_INVALID"),
                Arguments.of("simulation.stepSeconds", "1e400", "NUMBER_INVALID"),
                Arguments.of("simulation.stepSeconds", "-1", "SIMULATION_INVALID"),
                Arguments.of("simulation.failAtStep", "0", "SIMULATION_INVALID"),
                Arguments.of("simulation.exitCode", "300", "SIMULATION_INVALID"));
    }

    private static String user() {
        return "Bearer " + TrainpodTestResource.keys().userToken(USER);
    }

    private static String stubCalls() {
        String url = ConfigProvider.getConfig().getValue("quarkus.rest-client.runpod.url", String.class);
        return given().get(url + "/_calls").then().statusCode(200).extract().asString();
    }

    @BeforeEach
    void storeTheRunPodKey() {
        if (!keyStored) {
            given().header("Authorization", user()).contentType("application/json")
                    .body("{\"apiKey\": \"rpa_STUBSTUBSTUBSTUBSTUB\"}").put("/api/v1/secrets/runpod")
                    .then().statusCode(204);
            keyStored = true;
        }
    }

    @Test
    void theValidBodyIsEstimatedWithTheTrainersDefaults() {
        given().header("Authorization", user()).contentType("application/json").body(bodyWith(null, null))
                .post("/api/v1/estimates")
                .then().statusCode(200).body("gpuType", equalTo(UpstreamStub.GPU))
                .body("assumptions", hasItem("Epochs: 1.0 (hyperparameters.epochs, default 1)."));
        given().header("Authorization", user()).contentType("application/json")
                .body(bodyWithHyperparameters("\"adapter\": \"QLoRA\", \"maxSteps\": 500, \"epochs\": 0"))
                .post("/api/v1/estimates")
                .then().statusCode(200)
                .body("assumptions", hasItem(org.hamcrest.Matchers.startsWith("Adapter: QLORA")))
                .body("assumptions", hasItem(org.hamcrest.Matchers.containsString("maxSteps 500")));
        // A number in the model's name is not a size when it is absurd: the estimate assumes 7B, not infinity.
        given().header("Authorization", user()).contentType("application/json")
                .body(bodyWith(null, null).replace("Qwen2.5-0.5B", "Model-" + "9".repeat(400) + "B"))
                .post("/api/v1/estimates")
                .then().statusCode(200)
                .body("assumptions", hasItem(org.hamcrest.Matchers.startsWith("Model size not recognised")));
    }

    @ParameterizedTest(name = "{0} = {1} → {2}")
    @MethodSource("badBodies")
    void aBadNumberIsA422NamingTheFieldAndNothingIsStarted(String field, String value, String code) {
        String body = bodyWith(field, value);
        assertThat(body).contains(value);
        expectOneFailure(given().header("Authorization", user()).contentType("application/json").body(body)
                .post("/api/v1/deployments").then(), "preflight-failed", field, code);
        expectOneFailure(given().header("Authorization", user()).contentType("application/json").body(body)
                .post("/api/v1/estimates").then(), "estimate-failed", field, code);

        given().header("Authorization", user()).get("/api/v1/deployments")
                .then().statusCode(200).body("size()", equalTo(0));
        assertThat(stubCalls()).doesNotContain("POST /v2/pods");
    }

    @Test
    void everyBadHyperparameterIsReportedAtOnce() {
        given().header("Authorization", user()).contentType("application/json")
                .body(bodyWithHyperparameters("\"epochs\": \"NaN\", \"lora\": {\"r\": 16}, \"warmupRatio\": 2,"
                        + " \"lrScheduler\": \"exp\"").replace("\"steps\": 30", "\"steps\": 30, \"exitCode\": -1"))
                .post("/api/v1/deployments")
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors.field", containsInAnyOrder("hyperparameters.epochs", "hyperparameters.lora",
                        "hyperparameters.warmupRatio", "hyperparameters.lrScheduler", "simulation.exitCode"))
                .body("errors.hint", everyItem(not(emptyOrNullString())));
    }

    private static void expectOneFailure(ValidatableResponse r, String type, String field, String code) {
        r.statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("https://trainpod.dev/problems/" + type))
                .body("errors.size()", equalTo(1))
                .body("errors[0].field", equalTo(field))
                .body("errors[0].code", equalTo(code))
                .body("errors[0].hint", not(emptyOrNullString()));
    }
}
