package dev.trainpod.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.runpod.SimPod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * User A of the security tests, made once per test run on the shared stack: a dataset, an unfinished upload and a
 * deployment that ran to the end (so it has artifacts, a job token and a download token that its end revoked).
 * Other users' tokens are aimed at these ids; none of them may come back in another user's answer.
 */
final class OwnerFixture {

    /** A's token and the ids and names of what A owns. */
    record Owner(String userId, String token, String datasetId, String datasetName, String uploadId,
                 String uploadName, String deploymentId, String podId, String artifactId, String artifactName,
                 String jobToken, String downloadToken) {

        /** Everything of A's that must never appear in an answer to another user. */
        List<String> traces() {
            return List.of(userId, datasetId, datasetName, uploadId, uploadName, deploymentId, podId, artifactId,
                    artifactName);
        }

        /** A's id for an element of a collection of the API ({@code datasets}, {@code jobs}, ...). */
        String idIn(String collection) {
            return switch (collection) {
                case "datasets" -> datasetId;
                case "uploads" -> uploadId;
                case "deployments", "jobs" -> deploymentId;
                case "artifacts" -> artifactId;
                default -> throw new AssertionError("no id of user A for /" + collection
                        + "/{...}: give OwnerFixture one, so that the isolation tests cover it");
            };
        }
    }

    private static Owner owner;

    private OwnerFixture() {
    }

    static synchronized Owner get() {
        if (owner == null) {
            owner = create(SharedStack.get());
        }
        return owner;
    }

    private static Owner create(LocalStack stack) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String userId = "owner-" + suffix;
        String token = stack.keys().userToken(userId);
        expect(ItHttp.send("PUT", stack.deployUrl() + "/api/v1/secrets/runpod", token,
                "{\"apiKey\": \"" + stack.runPodApiKey() + "\"}"), 204);

        String datasetName = "owner-private-" + suffix + ".jsonl";
        ItHttp.Raw dataset = ItHttp.exchange("POST", stack.datasetUrl() + "/api/v1/datasets?name=" + datasetName,
                example(), "Authorization", "Bearer " + token, "Content-Type", "application/x-ndjson");
        String datasetId = field(dataset, 201, "id");

        String uploadName = "owner-partial-" + suffix + ".jsonl";
        ItHttp.Raw upload = ItHttp.exchange("POST", stack.datasetUrl() + "/api/v1/uploads?name=" + uploadName, null,
                "Authorization", "Bearer " + token, "Upload-Length", "1000");
        String uploadId = field(upload, 201, "id");

        ItHttp.Answer created = ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments", token, """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["NVIDIA RTX A4000"]}, "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "simulation": {"steps": 3, "stepSeconds": 0.05}}
                """.formatted(datasetId));
        expect(created, 202);
        String deploymentId = created.body().path("id").asText();
        JsonNode ended = ItHttp.await("user A's deployment to end", Duration.ofMinutes(2),
                () -> ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments/" + deploymentId, token, null).body(),
                d -> "SUCCEEDED".equals(d.path("status").asText()) && !d.path("podTerminatedAt").isNull());
        String podId = ended.path("podId").asText();
        SimPod pod = stack.simulator().pods().stream().filter(p -> p.id().equals(podId)).findFirst()
                .orElseThrow(() -> new AssertionError("the simulator never saw pod " + podId));
        String datasetUrl = pod.env().get("TRAINPOD_DATASET_URL");

        JsonNode artifacts = ItHttp.send("GET", stack.datasetUrl() + "/api/v1/artifacts?deploymentId=" + deploymentId,
                token, null).body();
        if (artifacts == null || artifacts.isEmpty()) {
            throw new AssertionError("user A's deployment stored no artifact: " + artifacts);
        }
        return new Owner(userId, token, datasetId, datasetName, uploadId, uploadName, deploymentId, podId,
                artifacts.get(0).path("id").asText(), artifacts.get(0).path("name").asText(),
                pod.env().get("TRAINPOD_JOB_TOKEN"), datasetUrl.substring(datasetUrl.lastIndexOf('/') + 1));
    }

    /** A download token for user A's dataset and a deployment of its own, minted as deploy-service mints them. */
    static String mintDownloadToken(LocalStack stack, Owner a, long ttlSeconds, int maxUses) {
        ItHttp.Raw r = ItHttp.exchange("POST", stack.datasetUrl() + "/internal/v1/download-tokens", ("""
                {"userId": "%s", "datasetId": "%s", "deploymentId": "%s", "ttlSeconds": %d, "maxUses": %d}
                """.formatted(a.userId(), a.datasetId(), UUID.randomUUID(), ttlSeconds, maxUses))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), "Authorization",
                "Bearer " + stack.keys().serviceToken(), "Content-Type", "application/json");
        String token = field(r, 201, "token");
        if (token.length() != 43) {
            throw new AssertionError("a download token has 43 characters: " + r);
        }
        SecretScanIT.remember(token);
        return token;
    }

    /** The example SFT dataset of the repository. */
    static byte[] example() {
        Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        try {
            return Files.readAllBytes(root.resolve("examples/sft-messages.jsonl"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void expect(ItHttp.Answer a, int status) {
        if (a.status() != status) {
            throw new AssertionError("expected " + status + ", got " + a.status() + ": " + a.body());
        }
    }

    private static String field(ItHttp.Raw r, int status, String name) {
        if (r.status() != status) {
            throw new AssertionError("expected " + status + ", got " + r);
        }
        try {
            return ItHttp.JSON.readTree(r.body()).path(name).asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
