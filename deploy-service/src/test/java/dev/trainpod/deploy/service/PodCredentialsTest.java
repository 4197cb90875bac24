package dev.trainpod.deploy.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.trainpod.common.testing.TrainpodTestResource;
import dev.trainpod.deploy.vault.SecretKind;
import dev.trainpod.deploy.vault.SecretVault;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The life of a RunPod credential against the real database: a replaced or deleted key is retired, never used for
 * a new pod, still opened for the pods it created, and purged only once none of them needs it.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "deploy_test"))
class PodCredentialsTest {

    @Inject
    SecretVault vault;

    @Inject
    PodCredentials credentials;

    @Inject
    Pool pool;

    @Test
    void replacedKeyStaysWithThePodsItCreatedAndNewPodsGetTheNewOne() throws Throwable {
        String user = newUser();
        store(user, "rpa_FIRST_ACCOUNT_1111");
        UUID first = deployment(user, "RUNNING", "pod-first");
        assertThat(run(() -> credentials.bindCurrent(first, user))).contains("rpa_FIRST_ACCOUNT_1111");

        store(user, "rpa_SECOND_ACCOUNT_2222");
        UUID second = deployment(user, "RUNNING", "pod-second");
        assertThat(run(() -> credentials.bindCurrent(second, user))).contains("rpa_SECOND_ACCOUNT_2222");

        assertThat(forDeployment(first, user)).contains("rpa_FIRST_ACCOUNT_1111");
        assertThat(forDeployment(second, user)).contains("rpa_SECOND_ACCOUNT_2222");
        assertThat(run(() -> Panache.withSession(() -> vault.open(user, SecretKind.RUNPOD))))
                .contains("rpa_SECOND_ACCOUNT_2222");
        given().header("Authorization", bearer(user)).get("/api/v1/secrets/runpod")
                .then().statusCode(200).body("configured", equalTo(true)).body("last4", equalTo("2222"));
        assertThat(count("SELECT count(*) FROM runpod_credential WHERE user_id = $1 AND retired_at IS NOT NULL",
                user)).isEqualTo(1);
    }

    @Test
    void deletedKeyWhileAPodRunsIsRetiredNotForgottenAndCreatesNothingNew() throws Throwable {
        String user = newUser();
        store(user, "rpa_ONLY_KEY_3333");
        UUID live = deployment(user, "RUNNING", "pod-live");
        run(() -> credentials.bindCurrent(live, user));

        given().header("Authorization", bearer(user)).delete("/api/v1/secrets/runpod").then().statusCode(204);

        given().header("Authorization", bearer(user)).get("/api/v1/secrets/runpod")
                .then().statusCode(200).body("configured", equalTo(false));
        assertThat(forDeployment(live, user)).as("the running pod keeps its credential").contains("rpa_ONLY_KEY_3333");
        UUID next = deployment(user, "PROVISIONING", null);
        assertThat(run(() -> credentials.bindCurrent(next, user))).as("no new pod with a deleted key").isEmpty();
        assertThat(forDeployment(next, user)).isEmpty();
    }

    @Test
    void sameKeyStoredAgainKeepsItsCredential() throws Throwable {
        String user = newUser();
        store(user, "rpa_SAME_KEY_4444");
        store(user, "rpa_SAME_KEY_4444");
        assertThat(count("SELECT count(*) FROM runpod_credential WHERE user_id = $1", user)).isEqualTo(1);
    }

    @Test
    void retiredCredentialIsPurgedOnlyOnceNoneOfItsPodsIsLive() throws Throwable {
        String user = newUser();
        store(user, "rpa_OLD_ACCOUNT_5555");
        UUID running = deployment(user, "RUNNING", "pod-old");
        UUID endedWithoutPod = deployment(user, "CANCELLED", null);
        run(() -> credentials.bindCurrent(running, user));
        run(() -> credentials.bindCurrent(endedWithoutPod, user));
        store(user, "rpa_NEW_ACCOUNT_6666");

        run(() -> credentials.purge(Duration.ZERO));
        assertThat(forDeployment(running, user)).as("kept while its pod runs").contains("rpa_OLD_ACCOUNT_5555");

        // the deployment ended, but its pod is not yet confirmed terminated
        sql("UPDATE deployment SET status = 'CANCELLED' WHERE id = $1", running);
        run(() -> credentials.purge(Duration.ZERO));
        assertThat(forDeployment(running, user)).contains("rpa_OLD_ACCOUNT_5555");
        run(() -> credentials.purge(Duration.ofHours(1)));

        sql("UPDATE deployment SET pod_terminated_at = now() WHERE id = $1", running);
        run(() -> credentials.purge(Duration.ofHours(1)));
        assertThat(count("SELECT count(*) FROM runpod_credential WHERE user_id = $1", user))
                .as("kept for the grace period").isEqualTo(2);
        run(() -> credentials.purge(Duration.ZERO));

        assertThat(count("SELECT count(*) FROM runpod_credential WHERE user_id = $1", user)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM deployment_credential WHERE deployment_id = $1", running)).isZero();
        assertThat(run(() -> Panache.withSession(() -> vault.open(user, SecretKind.RUNPOD))))
                .contains("rpa_NEW_ACCOUNT_6666");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static String newUser() {
        return "cred-" + UUID.randomUUID();
    }

    private static String bearer(String user) {
        return "Bearer " + TrainpodTestResource.keys().userToken(user);
    }

    private void store(String user, String key) throws Throwable {
        run(() -> Panache.withTransaction(() -> vault.store(user, SecretKind.RUNPOD, key)));
    }

    private Optional<String> forDeployment(UUID id, String user) throws Throwable {
        return run(() -> Panache.withSession(() -> credentials.forDeployment(id, user)));
    }

    /** A deployment row; jobs that would call RunPod for it fail against the test's unreachable RunPod address. */
    private UUID deployment(String user, String status, String podId) {
        UUID id = UUID.randomUUID();
        sql("""
                INSERT INTO deployment (id, user_id, dataset_id, base_model, method, request, status, pod_id,
                                        created_at, updated_at, pod_created_at)
                VALUES ($1, $2, $3, 'Qwen/Qwen2.5-0.5B', 'SFT', '{}', $4, $5, now(), now(), now())""",
                id, user, UUID.randomUUID(), status, podId);
        return id;
    }

    private void sql(String sql, Object... params) {
        pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(10));
    }

    private long count(String sql, Object param) {
        return pool.preparedQuery(sql).execute(Tuple.of(param)).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong(0);
    }

    private static <T> T run(Supplier<Uni<T>> work) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(work);
    }
}
