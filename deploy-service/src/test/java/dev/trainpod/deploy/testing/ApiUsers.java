package dev.trainpod.deploy.testing;

import static io.restassured.RestAssured.given;

import dev.trainpod.common.testing.TrainpodTestResource;
import java.util.UUID;

/** Users of the deploy-service API in tests: their bearer header, and a new user who holds a RunPod key. */
public final class ApiUsers {

    private ApiUsers() {
    }

    /** The user's {@code Authorization} header value. */
    public static String auth(String user) {
        return "Bearer " + TrainpodTestResource.keys().userToken(user);
    }

    /** A user nobody else in the run uses, with a RunPod key stored (the stub takes any key). */
    public static String withRunPodKey(String prefix) {
        String user = prefix + "-" + UUID.randomUUID();
        given().header("Authorization", auth(user)).contentType("application/json")
                .body("{\"apiKey\": \"rpa_" + UUID.randomUUID().toString().replace("-", "") + "\"}")
                .put("/api/v1/secrets/runpod").then().statusCode(204);
        return user;
    }
}
