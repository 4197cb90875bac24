package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.trainpod.devstack.apidocs.RecordedExamples;
import dev.trainpod.devstack.runpod.SimPod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records the OpenAPI document's examples from a real run: drives every public operation with a JSON body through
 * the gateway (nginx) in front of the shared local stack, as a user and as the user's pod (its real job token), and
 * keeps each operation's request and 2xx response bodies, ids, tokens, secrets and addresses replaced by stable
 * placeholders. ApiReferenceIT writes them to {@link RecordedExamples#FILE} with {@code -Dtrainpod.regenerate=true}
 * (then run OpenApiDocumentTest with it too, to merge them into openapi.json) and otherwise fails when the
 * checked-in recording is {@link #stale}.
 */
final class ExampleRecorder {

    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final String PUBLIC_URL = "https://trainpod.example.com";
    private static final String USER = "example-user";
    private static final String HF_TOKEN = "hf_" + "ExampleOnlyNotARealToken0123";
    private static final String WANDB_KEY = "example0only0not0a0real0wandb0key000000";
    private final LocalStack stack;
    private final Gateway gateway;

    /** The bodies as they came, by operation, in the order of the calls. */
    private final Map<String, ObjectNode> recorded = new LinkedHashMap<>();
    private final Map<String, String> secrets = new LinkedHashMap<>();
    private final Map<String, String> ids = new LinkedHashMap<>();

    ExampleRecorder(LocalStack stack, Gateway gateway) {
        this.stack = stack;
        this.gateway = gateway;
    }

    /** Drives the operations and answers their bodies by {@code "<method> <path>"}, redacted. */
    Map<String, ObjectNode> record() throws IOException {
        String user = stack.keys().userToken(USER);
        secrets.put(user, "<user JWT>");
        secrets.put(stack.runPodApiKey(), "rp_EXAMPLE0KEY0NOT0REAL");
        // The gateway's and the services' own addresses, as a deployment's public address would read.
        for (String url : List.of(gateway.url(), stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl())) {
            secrets.put(url, PUBLIC_URL);
        }

        json("PUT", "/api/v1/secrets/runpod", "/api/v1/secrets/runpod", user,
                "{\"apiKey\": \"" + stack.runPodApiKey() + "\"}", 204);
        json("GET", "/api/v1/secrets/runpod", "/api/v1/secrets/runpod", user, null, 200);
        json("PUT", "/api/v1/secrets/huggingface", "/api/v1/secrets/huggingface", user,
                "{\"token\": \"" + HF_TOKEN + "\"}", 204);
        json("GET", "/api/v1/secrets/huggingface", "/api/v1/secrets/huggingface", user, null, 200);
        json("PUT", "/api/v1/secrets/wandb", "/api/v1/secrets/wandb", user, "{\"apiKey\": \"" + WANDB_KEY + "\"}", 204);
        json("GET", "/api/v1/secrets/wandb", "/api/v1/secrets/wandb", user, null, 200);
        json("GET", "/api/v1/gpu-types", "/api/v1/gpu-types", user, null, 200);
        json("GET", "/api/v1/models", "/api/v1/models", user, null, 200);

        byte[] dataset = OwnerFixture.example();
        String datasetId = raw("POST", "/api/v1/datasets", "/api/v1/datasets?name=sft-messages.jsonl", dataset, 201,
                "Authorization", "Bearer " + user, "Content-Type", "application/x-ndjson").path("id").asText();
        String uploadId = raw("POST", "/api/v1/uploads", "/api/v1/uploads?name=sft-resumed.jsonl", null, 201,
                "Authorization", "Bearer " + user, "Upload-Length", String.valueOf(dataset.length),
                "Tus-Resumable", "1.0.0").path("id").asText();
        json("GET", "/api/v1/uploads/{id}", "/api/v1/uploads/" + uploadId, user, null, 200);
        raw("PATCH", "/api/v1/uploads/{id}", "/api/v1/uploads/" + uploadId, dataset, 201,
                "Authorization", "Bearer " + user, "Content-Type", "application/offset+octet-stream",
                "Upload-Offset", "0", "Tus-Resumable", "1.0.0");
        json("GET", "/api/v1/datasets", "/api/v1/datasets", user, null, 200);
        json("GET", "/api/v1/datasets/{id}", "/api/v1/datasets/" + datasetId, user, null, 200);

        String request = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "hyperparameters": {"epochs": 1, "learningRate": 0.0002},
                 "gpu": {"types": ["NVIDIA RTX A4000"], "count": 1},
                 "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "simulation": {"steps": 2000, "stepSeconds": 0.05}}
                """.formatted(datasetId);
        json("POST", "/api/v1/estimates", "/api/v1/estimates", user, request, 200);
        String id = json("POST", "/api/v1/deployments", "/api/v1/deployments", user, request, 202).path("id").asText();
        json("GET", "/api/v1/deployments", "/api/v1/deployments", user, null, 200);

        JsonNode running = ItHttp.await("the example deployment to run", Duration.ofMinutes(2),
                () -> ItHttp.send("GET", gateway.url() + "/api/v1/deployments/" + id, user, null).body(),
                d -> "RUNNING".equals(d.path("status").asText()) || ItHttp.TERMINAL.contains(d.path("status").asText()));
        assertThat(running.path("status").asText()).as(running.toString()).isEqualTo("RUNNING");
        SimPod pod = stack.simulator().pods().stream().filter(p -> p.id().equals(running.path("podId").asText()))
                .findFirst().orElseThrow();
        String job = pod.env().get("TRAINPOD_JOB_TOKEN");
        secrets.put(job, "<job token>");
        secrets.put(pod.id(), "examplepod0001");

        JsonNode link = json("POST", "/api/v1/pod/dataset", "/api/v1/pod/dataset", job, null, 200);
        String downloadUrl = link.path("url").asText();
        String downloadToken = downloadUrl.substring(downloadUrl.lastIndexOf('/') + 1);
        secrets.put(downloadToken, "<download token>");
        json("POST", "/api/v1/jobs/{id}/status", "/api/v1/jobs/" + id + "/status", job,
                "{\"phase\": \"TRAINING\", \"message\": \"training started\", \"totalSteps\": 2000}", 202);
        json("POST", "/api/v1/jobs/{id}/metrics", "/api/v1/jobs/" + id + "/metrics", job, """
                {"points": [{"step": 1, "epoch": 0.01, "loss": 2.31, "learningRate": 0.0002, "gradNorm": 1.7,
                 "tokensPerSecond": 5120.0}]}""", 202);
        json("POST", "/api/v1/jobs/{id}/logs", "/api/v1/jobs/" + id + "/logs", job,
                "{\"lines\": [\"{'loss': 2.31, 'learning_rate': 0.0002, 'epoch': 0.01}\"]}", 202);
        byte[] artifact = "{\"model_type\": \"qwen2\"}\n".getBytes(StandardCharsets.UTF_8);
        int half = artifact.length / 2;
        raw("PUT", "/api/v1/pod/artifacts/{name}", "/api/v1/pod/artifacts/config.json",
                java.util.Arrays.copyOfRange(artifact, 0, half), 202, "Authorization", "Bearer " + job,
                "Content-Type", "application/octet-stream",
                "Content-Range", "bytes 0-" + (half - 1) + "/" + artifact.length);
        raw("PUT", "/api/v1/pod/artifacts/{name}", "/api/v1/pod/artifacts/config.json",
                java.util.Arrays.copyOfRange(artifact, half, artifact.length), 201, "Authorization", "Bearer " + job,
                "Content-Type", "application/octet-stream",
                "Content-Range", "bytes " + half + "-" + (artifact.length - 1) + "/" + artifact.length);
        json("GET", "/api/v1/pod/artifacts", "/api/v1/pod/artifacts", job, null, 200);
        json("POST", "/api/v1/pod/artifacts", "/api/v1/pod/artifacts", job, "{\"names\": [\"config.json\"]}", 201);

        ItHttp.await("the example's metrics to be stored", Duration.ofSeconds(30),
                () -> ItHttp.send("GET", gateway.url() + "/api/v1/jobs/" + id + "/metrics", user, null).body(),
                m -> m != null && m.toString().contains("\"loss\""));
        json("GET", "/api/v1/jobs/{id}/progress", "/api/v1/jobs/" + id + "/progress", user, null, 200);
        json("GET", "/api/v1/jobs/{id}/metrics", "/api/v1/jobs/" + id + "/metrics", user, null, 200);
        json("GET", "/api/v1/jobs/{id}/logs", "/api/v1/jobs/" + id + "/logs", user, null, 200);
        json("GET", "/api/v1/artifacts", "/api/v1/artifacts?deploymentId=" + id, user, null, 200);
        json("GET", "/api/v1/deployments/{id}", "/api/v1/deployments/" + id, user, null, 200);
        json("GET", "/api/v1/deployments/{id}/events", "/api/v1/deployments/" + id + "/events", user, null, 200);

        assertThat(ItHttp.send("POST", gateway.url() + "/api/v1/deployments/" + id + "/cancel", user, null).status())
                .isEqualTo(202);
        ItHttp.await("the example deployment to end", Duration.ofMinutes(1),
                () -> ItHttp.send("GET", gateway.url() + "/api/v1/deployments/" + id, user, null).body(),
                d -> ItHttp.TERMINAL.contains(d.path("status").asText()) && !d.path("podTerminatedAt").isNull());

        // Redacted once all is known (the download token comes in an answer), ids numbered in recording order.
        Map<String, ObjectNode> redacted = new LinkedHashMap<>();
        recorded.forEach((op, bodies) -> redacted.put(op, (ObjectNode) redact(bodies)));
        String written = ItHttp.JSON.writeValueAsString(redacted);
        for (String secret : List.of(user, job, stack.runPodApiKey(), "Bearer ", "eyJ", "127.0.0.1",
                downloadToken, pod.id())) {
            assertThat(written).as("a secret in the recording").doesNotContain(secret);
        }
        return redacted;
    }

    /** What a fresh recording has that the checked-in one lacks: operations, and fields of their bodies. */
    static List<String> stale(Map<String, ObjectNode> now, JsonNode checkedIn) {
        List<String> stale = new ArrayList<>();
        now.forEach((op, bodies) -> {
            if (!checkedIn.has(op)) {
                stale.add(op + ": not recorded");
                return;
            }
            TreeSet<String> fresh = fieldsOf(bodies, "");
            fresh.removeAll(fieldsOf(checkedIn.get(op), ""));
            if (!fresh.isEmpty()) {
                stale.add(op + ": " + fresh + " not in the recording");
            }
        });
        return stale;
    }

    /** A JSON call through the gateway: records its JSON request and answer under the operation. */
    private JsonNode json(String method, String operation, String path, String token, String body, int status) {
        ItHttp.Answer a = ItHttp.send(method, gateway.url() + path, token, body);
        assertThat(a.status()).as(method + " " + path + ": " + a.body()).isEqualTo(status);
        record(method, operation, body, a.body(), status);
        return a.body();
    }

    /** Any call through the gateway (headers: name, value, ...): records its JSON answer under the operation. */
    private JsonNode raw(String method, String operation, String path, byte[] body, int status, String... headers)
            throws IOException {
        ItHttp.Raw r = ItHttp.exchange(method, gateway.url() + path, body, headers);
        assertThat(r.status()).as(method + " " + path + ": " + r).isEqualTo(status);
        JsonNode answer = r.body().isBlank() ? null : ItHttp.JSON.readTree(r.body());
        record(method, operation, null, answer, status);
        return answer;
    }

    private void record(String method, String operation, String request, JsonNode answer, int status) {
        ObjectNode op = recorded.computeIfAbsent(method.toLowerCase() + " " + operation,
                k -> ItHttp.JSON.createObjectNode());
        try {
            if (request != null) {
                op.set("request", ItHttp.JSON.readTree(request));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (answer != null) {
            ObjectNode responses = op.has("responses") ? (ObjectNode) op.get("responses") : op.putObject("responses");
            responses.set(String.valueOf(status), answer.deepCopy());
        }
    }

    /** A copy with every id numbered in order of appearance and every secret, token and address replaced. */
    private JsonNode redact(JsonNode node) {
        if (node.isTextual()) {
            String text = node.asText();
            for (Map.Entry<String, String> s : secrets.entrySet()) {
                text = text.replace(s.getKey(), s.getValue());
            }
            Matcher m = UUID_TEXT.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String placeholder = ids.computeIfAbsent(m.group(), u -> "00000000-0000-4000-8000-%012d"
                        .formatted(ids.size() + 1));
                m.appendReplacement(out, placeholder);
            }
            m.appendTail(out);
            text = out.toString();
            if (text.length() == 4 && stack.runPodApiKey().endsWith(text)) {
                text = "REAL"; // a stored key's last4, as the placeholder key's
            }
            return TextNode.valueOf(text);
        }
        if (node.isObject()) {
            ObjectNode copy = ItHttp.JSON.createObjectNode();
            node.properties().forEach(e -> copy.set(e.getKey(), redact(e.getValue())));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = ItHttp.JSON.createArrayNode();
            node.forEach(e -> copy.add(redact(e)));
            return copy;
        }
        return node.deepCopy();
    }

    /** Every field path of a body ({@code a.b[].c}), array elements folded together. */
    private static TreeSet<String> fieldsOf(JsonNode node, String prefix) {
        TreeSet<String> fields = new TreeSet<>();
        if (node.isObject()) {
            node.properties().forEach(e -> {
                fields.add(prefix + e.getKey());
                fields.addAll(fieldsOf(e.getValue(), prefix + e.getKey() + "."));
            });
        } else if (node.isArray()) {
            node.forEach(e -> fields.addAll(fieldsOf(e, prefix.isEmpty() ? "[]." : prefix.substring(0,
                    prefix.length() - 1) + "[].")));
        }
        return fields;
    }
}
