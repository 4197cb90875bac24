package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * User B's token on every user endpoint (from the services' OpenAPI documents) carrying user A's real ids: each
 * answers 404 exactly as it answers for an id that does not exist, so that B learns neither A's data nor that the
 * id exists; B's lists show nothing of A's, and nothing of A's changed.
 */
class TenantIsolationIT {

    private static LocalStack stack;
    private static OwnerFixture.Owner a;
    private static String intruder;
    private static List<ApiSurface.Endpoint> userEndpoints;

    @BeforeAll
    static void setUp() {
        stack = SharedStack.get();
        a = OwnerFixture.get();
        intruder = stack.keys().userToken("intruder-" + UUID.randomUUID());
        SecretScanIT.remember(intruder);
        userEndpoints = ApiSurface.of(stack).stream().filter(e -> e.roles().contains("user")).toList();
    }

    @Test
    void anotherUsersIdsAnswerAsIfTheyDidNotExist() {
        List<String> failures = new ArrayList<>();
        List<ApiSurface.Endpoint> withIds = userEndpoints.stream().filter(e -> !e.pathParams().isEmpty()).toList();
        assertThat(withIds).hasSizeGreaterThan(10);
        for (ApiSurface.Endpoint e : withIds) {
            String owned = a.idIn(e.collection());
            String unknown = UUID.randomUUID().toString();
            ItHttp.Raw onOwned = call(e, owned);
            ItHttp.Raw onUnknown = call(e, unknown);
            if (onOwned.status() != 404 || !onOwned.isProblem()) {
                failures.add(e + " on A's id: " + onOwned);
            }
            if (!onOwned.body().replace(owned, unknown).equals(onUnknown.body())) {
                failures.add(e + " answers A's id differently from an unknown one: " + onOwned + " / " + onUnknown);
            }
            a.traces().stream().filter(t -> !t.equals(owned) && onOwned.body().contains(t))
                    .forEach(t -> failures.add(e + " shows " + t + ": " + onOwned));
        }

        assertThat(failures).isEmpty();
    }

    @Test
    void anotherUsersListsShowNothingOfTheOwner() {
        List<String> failures = new ArrayList<>();
        for (ApiSurface.Endpoint e : userEndpoints) {
            if (!e.pathParams().isEmpty() || !"GET".equals(e.method())) {
                continue;
            }
            ItHttp.Raw r = call(e, null);
            if (r.status() >= 500) {
                failures.add(e + ": " + r);
            }
            a.traces().stream().filter(r.body()::contains).forEach(t -> failures.add(e + " shows " + t + ": " + r));
        }

        assertThat(failures).isEmpty();
    }

    @Test
    void anotherUsersDatasetCannotBeEstimatedOrDeployed() {
        for (String path : List.of("/api/v1/estimates", "/api/v1/deployments")) {
            String unknown = UUID.randomUUID().toString();
            ItHttp.Answer onOwned = ItHttp.send("POST", stack.deployUrl() + path, intruder, deployment(a.datasetId()));
            ItHttp.Answer onUnknown = ItHttp.send("POST", stack.deployUrl() + path, intruder, deployment(unknown));

            assertThat(onOwned.status()).as(path + ": " + onOwned.body()).isEqualTo(422);
            assertThat(onOwned.body().toString().replace(a.datasetId(), unknown))
                    .isEqualTo(onUnknown.body().toString());
            assertThat(onOwned.body().findValuesAsText("code")).contains("DATASET_NOT_FOUND");
        }
    }

    @Test
    void theOwnersResourcesAreUnchangedByAnIntruder() {
        for (ApiSurface.Endpoint e : userEndpoints) {
            if (!e.pathParams().isEmpty()) {
                call(e, a.idIn(e.collection()));
            }
        }

        assertThat(owner("GET", stack.datasetUrl() + "/api/v1/datasets/" + a.datasetId()).status()).isEqualTo(200);
        ItHttp.Raw upload = owner("GET", stack.datasetUrl() + "/api/v1/uploads/" + a.uploadId());
        assertThat(upload.status()).isEqualTo(200);
        assertThat(upload.headers().firstValue("Upload-Offset")).hasValue("0");
        assertThat(owner("GET", stack.datasetUrl() + "/api/v1/artifacts/" + a.artifactId() + "/content").status())
                .isEqualTo(200);
        ItHttp.Answer d = ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments/" + a.deploymentId(),
                a.token(), null);
        assertThat(d.body().path("status").asText()).isEqualTo("SUCCEEDED");
        ItHttp.Answer mine = ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments", a.token(), null);
        assertThat(mine.body().findValuesAsText("id")).as("no retry was made for A").containsExactly(a.deploymentId());
    }

    /** B's call, with the path's ids (and any deploymentId query) set to {@code id}. */
    private static ItHttp.Raw call(ApiSurface.Endpoint e, String id) {
        String url = e.url(p -> id);
        if (e.queryParams().contains("deploymentId")) {
            url += "?deploymentId=" + (id == null ? a.deploymentId() : id);
        }
        List<String> headers = new ArrayList<>(List.of("Accept", e.accept(), "Authorization",
                "Bearer " + intruder));
        byte[] body = null;
        if ("PATCH".equals(e.method())) {
            headers.addAll(List.of("Content-Type", "application/offset+octet-stream", "Upload-Offset", "0"));
            body = "{\"text\": \"intruder\"}\n".getBytes(StandardCharsets.UTF_8);
        } else if (e.takesJson()) {
            headers.addAll(List.of("Content-Type", "application/json"));
            body = "{}".getBytes(StandardCharsets.UTF_8);
        }
        return ItHttp.exchange(e.method(), url, body, headers.toArray(String[]::new));
    }

    private static ItHttp.Raw owner(String method, String url) {
        return ItHttp.exchange(method, url, null, "Authorization", "Bearer " + a.token());
    }

    private static String deployment(String datasetId) {
        return """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["NVIDIA RTX A4000"]}, "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5}}
                """.formatted(datasetId);
    }
}
