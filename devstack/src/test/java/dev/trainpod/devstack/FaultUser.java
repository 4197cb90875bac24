package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.runpod.SimPod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A user of the shared stack for the fault tests, with a RunPod account of its own and a dataset: creates
 * deployments with a simulated trainer, waits for them, and reads what they became.
 */
final class FaultUser {

    static final String A4000 = "NVIDIA RTX A4000";

    private final LocalStack stack;
    private final String token;
    private final String datasetId;
    private final String runPodKey;

    FaultUser(LocalStack stack, Path root, String name) {
        this.stack = stack;
        this.runPodKey = "rpa_it_" + name + "_" + UUID.randomUUID().toString().replace("-", "");
        stack.simulator().addApiKey(runPodKey);
        this.token = stack.keys().userToken(name, Duration.ofHours(2));
        assertThat(ItHttp.send("PUT", stack.deployUrl() + "/api/v1/secrets/runpod", token,
                "{\"apiKey\": \"" + runPodKey + "\"}").status()).isEqualTo(204);
        TrainpodClient client = new TrainpodClient(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl(), token);
        TrainpodClient.Answer upload = client.uploadDataset(root.resolve("examples/sft-messages.jsonl"));
        assertThat(upload.status()).as(String.valueOf(upload.body())).isEqualTo(201);
        this.datasetId = upload.body().path("id").asText();
    }

    /** Creates a deployment whose simulated trainer runs {@code steps} steps of {@code stepSeconds}. */
    String deploy(int steps, double stepSeconds) {
        return deploy("{\"steps\": " + steps + ", \"stepSeconds\": " + stepSeconds + "}");
    }

    /** Creates a deployment with the given {@code simulation} object; the answer must be 202. */
    String deploy(String simulation) {
        String body = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["%s"], "count": 1, "cloud": "SECURE"},
                 "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "simulation": %s}
                """.formatted(datasetId, A4000, simulation);
        ItHttp.Answer a = ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments", token, body);
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
        return a.body().path("id").asText();
    }

    /**
     * Posts a deployment on {@code gpuType} with the given limits (JSON members of {@code limits}) and
     * {@code simulation}, and answers what deploy-service said.
     */
    ItHttp.Answer tryDeploy(String gpuType, String limits, String simulation) {
        String body = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["%s"], "count": 1, "cloud": "SECURE"},
                 "limits": {%s},
                 "simulation": %s}
                """.formatted(datasetId, gpuType, limits, simulation);
        return ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments", token, body);
    }

    /**
     * Creates a deployment with the given members of {@code limits}, {@code hyperparameters} (a JSON object) and
     * {@code simulation}; the answer must be 202.
     */
    String deploy(String limits, String hyperparameters, String simulation) {
        ItHttp.Answer a = tryDeploy(1, limits, hyperparameters, simulation, "");
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
        return a.body().path("id").asText();
    }

    /**
     * Posts a deployment on {@code gpus} A4000s with the given members of {@code limits}, {@code hyperparameters}
     * and {@code simulation} (JSON objects) and further top-level members ({@code extra}, may be empty: e.g.
     * validation, earlyStopping); answers what deploy-service said.
     */
    ItHttp.Answer tryDeploy(int gpus, String limits, String hyperparameters, String simulation, String extra) {
        String body = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "hyperparameters": %s, "gpu": {"types": ["%s"], "count": %d, "cloud": "SECURE"},
                 "limits": {%s}, "simulation": %s%s}
                """.formatted(datasetId, hyperparameters, A4000, gpus, limits, simulation,
                extra.isEmpty() ? "" : ", " + extra);
        return ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments", token, body);
    }

    /** The job's last log lines, as metrics-service answers them. */
    List<String> logs(String id) {
        List<String> lines = new java.util.ArrayList<>();
        ItHttp.send("GET", stack.metricsUrl() + "/api/v1/jobs/" + id + "/logs?tail=1000", token, null).body()
                .path("lines").forEach(l -> lines.add(l.asText()));
        return lines;
    }

    /** The user's deployments, as deploy-service lists them. */
    JsonNode deployments() {
        return ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments", token, null).body();
    }

    /** The job's progress, as metrics-service answers it. */
    JsonNode progress(String id) {
        return ItHttp.send("GET", stack.metricsUrl() + "/api/v1/jobs/" + id + "/progress", token, null).body();
    }

    /** The content of the deployment's artifact {@code name}, as dataset-service serves it to its owner. */
    JsonNode artifactJson(String id, String name) {
        JsonNode list = ItHttp.send("GET", stack.datasetUrl() + "/api/v1/artifacts?deploymentId=" + id, token, null)
                .body();
        for (JsonNode a : list) {
            if (a.path("name").asText().equals(name)) {
                ItHttp.Raw r = ItHttp.exchange("GET", stack.datasetUrl() + "/api/v1/artifacts/" + a.path("id").asText()
                        + "/content", null, "Authorization", "Bearer " + token);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                try {
                    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
                } catch (java.io.IOException e) {
                    throw new AssertionError(name + " is not JSON: " + r.body(), e);
                }
            }
        }
        throw new AssertionError("no artifact " + name + " among " + list);
    }

    /** The statuses the deployment went through, in order. */
    List<String> deploymentEvents(String id) {
        return ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments/" + id + "/events", token, null).body()
                .findValuesAsText("status");
    }

    /** Retries the ended deployment; answers the new deployment's id. */
    String retry(String id) {
        ItHttp.Answer a = ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments/" + id + "/retry", token, null);
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
        return a.body().path("id").asText();
    }

    /** The job's metric points, in step order, as metrics-service answers them. */
    JsonNode metrics(String id) {
        return ItHttp.send("GET", stack.metricsUrl() + "/api/v1/jobs/" + id + "/metrics", token, null).body()
                .path("points");
    }

    /** The RunPod key of the account the user stored first. */
    String runPodKey() {
        return runPodKey;
    }

    /** Stores a RunPod key (the simulator must know it) in place of the user's; answers the status. */
    int putRunPodKey(String key) {
        return ItHttp.send("PUT", stack.deployUrl() + "/api/v1/secrets/runpod", token,
                "{\"apiKey\": \"" + key + "\"}").status();
    }

    /** Deletes the user's RunPod key; answers the status. */
    int deleteRunPodKey() {
        return ItHttp.send("DELETE", stack.deployUrl() + "/api/v1/secrets/runpod", token, null).status();
    }

    int cancel(String id) {
        return ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments/" + id + "/cancel", token, null).status();
    }

    JsonNode deployment(String id) {
        return ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments/" + id, token, null).body();
    }

    int step(String id) {
        JsonNode p = ItHttp.send("GET", stack.metricsUrl() + "/api/v1/jobs/" + id + "/progress", token, null).body();
        return p == null ? 0 : p.path("step").asInt();
    }

    /** Waits until every deployment is in one of the statuses. */
    void awaitStatus(Collection<String> ids, Set<String> statuses, Duration timeout) {
        ItHttp.await(ids.size() + " deployments to be " + statuses, timeout, () -> statuses(ids),
                s -> s.values().stream().allMatch(statuses::contains));
    }

    /** Waits until every deployment has reached at least the given training step. */
    void awaitStep(Collection<String> ids, int step, Duration timeout) {
        ItHttp.await(ids.size() + " deployments to reach step " + step, timeout,
                () -> ids.stream().collect(Collectors.toMap(id -> id, this::step, (a, b) -> a, TreeMap::new)),
                steps -> steps.values().stream().allMatch(s -> s >= step));
    }

    /** Waits until every deployment has ended with its pod (if any) confirmed terminated; answers them by id. */
    Map<String, JsonNode> awaitEnded(Collection<String> ids, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Map<String, JsonNode> ended = new HashMap<>();
        while (true) {
            for (String id : ids) {
                if (!ended.containsKey(id)) {
                    JsonNode d = deployment(id);
                    if (d != null && ItHttp.TERMINAL.contains(d.path("status").asText())
                            && (d.path("podId").isNull() || !d.path("podTerminatedAt").isNull())) {
                        ended.put(id, d);
                    }
                }
            }
            if (ended.size() == ids.size()) {
                return ended;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("deployments did not end: " + statuses(ids.stream()
                        .filter(id -> !ended.containsKey(id)).toList()));
            }
            ServiceProcess.sleep(500);
        }
    }

    /** Status (and reason) of each deployment. */
    Map<String, String> statuses(Collection<String> ids) {
        Map<String, String> s = new TreeMap<>();
        for (String id : ids) {
            JsonNode d = deployment(id);
            s.put(id, d == null ? "?" : d.path("status").asText());
        }
        return s;
    }

    /** How many deployments ended with each status and reason, e.g. {@code SUCCEEDED=16, FAILED/FAILED_TRAINING=4}. */
    static Map<String, Long> outcomes(Map<String, JsonNode> ended) {
        return ended.values().stream().collect(Collectors.groupingBy(d -> d.path("status").asText()
                + (d.path("reason").isTextual() ? "/" + d.path("reason").asText() : ""), TreeMap::new,
                Collectors.counting()));
    }

    /** The simulator's pods named for the deployment. */
    List<SimPod> podsOf(String id) {
        return stack.simulator().pods().stream().filter(p -> p.name().equals(ItPods.name(id))).toList();
    }
}
