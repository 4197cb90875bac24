package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.asPod;
import static dev.trainpod.dataset.it.Fixtures.jsonl;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.upload;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.security.TokenClaims;
import dev.trainpod.common.testing.JwtKeys;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class PodDatasetTest {

    @Test
    void podWhoseLinkExpiredGetsAFreshOneForItsDeploymentsDataset() {
        String user = newUser();
        byte[] content = jsonl(Fixtures.DPO, Fixtures.DPO);
        String dataset = upload(user, content).getString("id");
        UUID deployment = UUID.randomUUID();
        Fixtures.publish(new DeploymentRequested(deployment, user, UUID.fromString(dataset), "model", "DPO",
                List.of("NVIDIA RTX A4000"), 60, BigDecimal.TEN, 10, 100));
        await().atMost(Duration.ofSeconds(30)).until(() -> Fixtures.count(
                "SELECT count(*) FROM deployment_grants WHERE deployment_id = ?", deployment) == 1);
        JsonPath first = Fixtures.mint(user, dataset, deployment, null, null);
        Fixtures.execute("UPDATE download_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = ?",
                Fixtures.sha256(first.getString("token")));
        given().when().get(Fixtures.downloadPath(first)).then().statusCode(410);

        JsonPath fresh = asPod(deployment).when().post("/api/v1/pod/dataset")
                .then().statusCode(200).contentType("application/json")
                .body("sha256", equalTo(Fixtures.sha256(content)))
                .body("bytes", equalTo(content.length))
                .extract().jsonPath();

        assertThat(Instant.parse(fresh.getString("expiresAt"))).isAfter(Instant.now().plus(Duration.ofMinutes(90)));
        URI url = URI.create(fresh.getString("url"));
        assertThat(url.getPath()).startsWith("/api/v1/downloads/");
        assertThat(given().when().get(url.getPath()).then().statusCode(200).extract().asByteArray())
                .isEqualTo(content);
    }

    @Test
    void podOfAnEndedDeploymentGetsGone() {
        String user = newUser();
        String dataset = Fixtures.uploadValid(user);
        UUID deployment = UUID.randomUUID();
        Fixtures.openGrant(user, dataset, deployment);
        Fixtures.publish(new TrainingFailed(deployment, "FAILED_MAX_RUNTIME", "too long", null, null));
        await().atMost(Duration.ofSeconds(30)).until(() -> Fixtures.count(
                "SELECT count(*) FROM deployment_grants WHERE deployment_id = ? AND ended_at IS NOT NULL",
                deployment) == 1);

        asPod(deployment).when().post("/api/v1/pod/dataset")
                .then().statusCode(410).contentType("application/problem+json")
                .body("type", endsWith("/deployment-ended"));
    }

    @Test
    void podOfAnUnknownDeploymentGetsNotFound() {
        asPod(UUID.randomUUID()).when().post("/api/v1/pod/dataset")
                .then().statusCode(404).contentType("application/problem+json")
                .body("type", endsWith("/deployment-not-found"));
    }

    @Test
    void forgedOrForeignTokensAreRefused() {
        UUID deployment = UUID.randomUUID();
        given().auth().oauth2(TrainpodTestResource.keys().forgedJobToken(deployment))
                .when().post("/api/v1/pod/dataset")
                .then().statusCode(403).contentType("application/problem+json");
        Fixtures.as(newUser()).when().post("/api/v1/pod/dataset")
                .then().statusCode(403).contentType("application/problem+json");
        Fixtures.asService().when().post("/api/v1/pod/dataset")
                .then().statusCode(403).contentType("application/problem+json");
        given().when().post("/api/v1/pod/dataset")
                .then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void jobTokenForAnotherServiceIsUnauthorized() throws Exception {
        String user = newUser();
        UUID deployment = UUID.randomUUID();
        Fixtures.openGrant(user, Fixtures.uploadValid(user), deployment);
        PrivateKey deployKey = KeyUtils.decodePrivateKey(
                Files.readString(TrainpodTestResource.keys().deploySigningKey()));
        String metricsOnly = Jwt.issuer(JwtKeys.DEPLOY_ISSUER).subject(deployment.toString())
                .audience(TokenClaims.AUDIENCE_METRICS).claim(TokenClaims.KIND, TokenClaims.KIND_JOB)
                .expiresIn(Duration.ofHours(1)).jws().keyId(JwtKeys.DEPLOY_KID).sign(deployKey);

        given().auth().oauth2(metricsOnly).when().post("/api/v1/pod/dataset")
                .then().statusCode(401).contentType("application/problem+json");
        asPod(deployment).when().post("/api/v1/pod/dataset").then().statusCode(200);
    }
}
