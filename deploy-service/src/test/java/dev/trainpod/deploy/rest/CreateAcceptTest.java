package dev.trainpod.deploy.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.job.BenchHold;
import dev.trainpod.common.testing.TrainpodTestResource;
import dev.trainpod.deploy.testing.ApiUsers;
import dev.trainpod.deploy.testing.UpstreamStub;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The create path's accept (issue 17): the deployment, its PENDING transition and its DeploymentRequested outbox row
 * are written by one transaction and never touched again by it; a create answered from the GPU catalog cache opens
 * no RunPod key; a user at the cap of deployments waiting for a pod gets the 429 problem and nothing is written, also
 * when the creates arrive at once; the same idempotency key sent at once from several requests makes one
 * deployment. RunPod and dataset-service are stubbed ({@link UpstreamStub}); the scheduled jobs are off, so no
 * provisioner moves the deployments meanwhile.
 */
@QuarkusTest
@TestProfile(CreateAcceptTest.NoJobsSmallCaps.class)
class CreateAcceptTest {

    /** No scheduled jobs (the provisioner would claim the deployments), and a cap of 3 waiting per user. */
    public static class NoJobsSmallCaps implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.scheduler.enabled", "false", "trainpod.deploy.max-pending-per-user", "3");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TrainpodTestResource.class, Map.of("database", "deploy_test")),
                    new TestResourceEntry(UpstreamStub.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Inject
    Pool pool;
    @Inject
    MeterRegistry registry;
    @Inject
    BenchHold hold;

    private static String auth(String user) {
        return ApiUsers.auth(user);
    }

    private static String newUserWithKey() {
        return ApiUsers.withRunPodKey("create");
    }

    private static final String BODY = "{\"datasetId\": \"%s\", \"baseModel\": \"Qwen/Qwen2.5-0.5B\","
            + " \"method\": \"SFT\","
            + " \"gpu\": {\"types\": [\"" + UpstreamStub.GPU + "\"]},"
            + " \"limits\": {\"maxRuntimeMinutes\": 600, \"maxCostUsd\": 500}, \"simulation\": {\"steps\": 3}}";

    private static io.restassured.response.ValidatableResponse create(String user, String idempotencyKey) {
        var request = given().header("Authorization", auth(user)).contentType("application/json")
                .body(BODY.formatted(UUID.randomUUID()));
        if (idempotencyKey != null) {
            request = request.header("Idempotency-Key", idempotencyKey);
        }
        return request.post("/api/v1/deployments").then();
    }

    private double keysOpened() {
        Counter c = registry.find("trainpod.vault.secrets.opened").tag("kind", "RUNPOD").counter();
        return c == null ? 0 : c.count();
    }

    private List<Row> rows(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.from(args)).await().atMost(Duration.ofSeconds(10))
                .stream().toList();
    }

    @Test
    void theAcceptIsOneTransactionAndACachedCatalogOpensNoKey() {
        String user = newUserWithKey();
        String first = create(user, null).statusCode(202).body("status", equalTo("PENDING")).extract().path("id");
        double opened = keysOpened();
        String second = create(user, null).statusCode(202).body("status", equalTo("PENDING")).extract().path("id");
        assertThat(keysOpened()).as("RunPod keys opened by a create answered from the catalog cache")
                .isEqualTo(opened);

        for (String id : List.of(first, second)) {
            UUID deployment = UUID.fromString(id);
            Row d = rows("SELECT status, version, xmin::text AS tx FROM deployment WHERE id = $1", deployment).get(0);
            assertThat(d.getString("status")).isEqualTo("PENDING");
            assertThat(d.getLong("version")).as("never updated").isZero();
            List<Row> transitions = rows("SELECT status, message, xmin::text AS tx FROM deployment_transition"
                    + " WHERE deployment_id = $1", deployment);
            assertThat(transitions).hasSize(1);
            assertThat(transitions.get(0).getString("status")).isEqualTo("PENDING");
            assertThat(transitions.get(0).getString("message")).isEqualTo("Accepted after pre-flight checks.");
            assertThat(transitions.get(0).getString("tx")).as("written by the deployment's transaction")
                    .isEqualTo(d.getString("tx"));
            List<Row> events = rows("SELECT type, payload FROM outbox_event WHERE aggregate_id = $1", id);
            assertThat(events).hasSize(1);
            assertThat(events.get(0).getString("type")).isEqualTo("DeploymentRequested");
            assertThat(events.get(0).getString("payload")).contains(id).contains(user);
        }
    }

    @Test
    void aUserAtTheWaitingCapIsRefusedAndNothingIsWritten() {
        String user = newUserWithKey();
        for (int i = 0; i < 3; i++) {
            create(user, null).statusCode(202);
        }
        create(user, null).statusCode(429).contentType("application/problem+json")
                .body("type", equalTo("https://trainpod.dev/problems/deployment-quota-exceeded"));
        assertThat(rows("SELECT id FROM deployment WHERE user_id = $1", user)).hasSize(3);
        assertThat(rows("SELECT t.id FROM deployment_transition t JOIN deployment d ON d.id = t.deployment_id"
                + " WHERE d.user_id = $1", user)).hasSize(3);
        assertThat(rows("SELECT id FROM outbox_event WHERE type = 'DeploymentRequested' AND payload LIKE $1",
                "%\"" + user + "\"%")).hasSize(3);
    }

    /** Six creates of one user at once against a cap of three: the user's lock holds the count until the insert. */
    @Test
    void concurrentCreatesOfOneUserNeverPassTheCap() {
        String user = newUserWithKey();
        List<CompletableFuture<Integer>> sent = IntStream.range(0, 6)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> create(user, null).extract().statusCode()))
                .toList();
        List<Integer> statuses = sent.stream().map(CompletableFuture::join).sorted().toList();
        assertThat(statuses).containsExactly(202, 202, 202, 429, 429, 429);
        assertThat(rows("SELECT id FROM deployment WHERE user_id = $1", user)).hasSize(3);
    }

    @Test
    void oneIdempotencyKeySentAtOnceMakesOneDeployment() {
        String user = newUserWithKey();
        String key = "once-" + UUID.randomUUID();
        List<CompletableFuture<String>> sent = IntStream.range(0, 4)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> create(user, key).statusCode(202)
                        .extract().<String>path("id")))
                .toList();
        Set<String> ids = sent.stream().map(CompletableFuture::join).collect(Collectors.toSet());
        assertThat(ids).hasSize(1);
        assertThat(rows("SELECT id FROM deployment WHERE user_id = $1", user)).hasSize(1);
        assertThat(rows("SELECT id FROM outbox_event WHERE aggregate_id = $1", ids.iterator().next())).hasSize(1);
    }

    /** Money safety: outside a benchmark stack no one can hold the relay and the provisioning (404, nothing held). */
    @Test
    void theBenchHoldIsOffOutsideABenchmarkStack() {
        String user = newUserWithKey();
        given().header("Authorization", auth(user)).post("/internal/bench/hold?seconds=60").then().statusCode(404);
        assertThat(hold.held()).as("held after a refused hold").isFalse();
        given().header("Authorization", auth(user)).delete("/internal/bench/hold").then().statusCode(404);
        given().header("Authorization", auth(user)).post("/internal/bench/reference").then().statusCode(404);
    }
}
