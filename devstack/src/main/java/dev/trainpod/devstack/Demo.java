package dev.trainpod.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.runpod.SimPod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * Runs one sample deployment against a running local stack, shows its progress, and says whether it
 * succeeded with its pod terminated at the RunPod simulator.
 */
public final class Demo {

    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");

    private final LocalStack stack;
    private final TrainpodClient client;

    public Demo(LocalStack stack) {
        this.stack = stack;
        this.client = new TrainpodClient(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl(),
                stack.keys().userToken("demo-user"));
    }

    /** Runs the demo; true only if the deployment succeeded and its pod no longer bills. */
    public boolean run(Path sampleDataset) {
        say("storing the RunPod API key");
        expect(client.storeRunPodKey(stack.runPodApiKey()), 204);
        say("uploading " + sampleDataset.getFileName());
        JsonNode dataset = expect(client.uploadDataset(sampleDataset), 201).body();
        say("dataset " + dataset.path("id").asText() + ": " + dataset.path("format").asText() + ", "
                + dataset.path("rows").asLong() + " rows, sha256 " + dataset.path("sha256").asText().substring(0, 12));
        String body = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "hyperparameters": {"epochs": 1, "learningRate": 0.0002, "loraR": 16},
                 "gpu": {"types": ["NVIDIA RTX A4000", "NVIDIA GeForce RTX 4090"], "count": 1, "cloud": "SECURE"},
                 "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "simulation": {"steps": 30, "stepSeconds": 0.2}}
                """.formatted(dataset.path("id").asText());
        JsonNode deployment = expect(client.createDeployment(body), 202).body();
        String id = deployment.path("id").asText();
        say("deployment " + id + " accepted");
        JsonNode last = follow(id, Duration.ofMinutes(5));
        String status = last.path("status").asText();
        say("deployment " + status + (last.hasNonNull("reason") ? " (" + last.path("reason").asText() + ")" : "")
                + ", cost " + last.path("costUsd").decimalValue().toPlainString() + " USD for "
                + last.path("billedSeconds").asLong() + " s of " + last.path("gpuType").asText());
        boolean podGone = podTerminated(last.path("podId").asText(null));
        say("pod " + last.path("podId").asText("-") + (podGone ? " terminated" : " STILL BILLING"));
        return "SUCCEEDED".equals(status) && podGone;
    }

    private JsonNode follow(String id, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String lastLine = "";
        while (Instant.now().isBefore(deadline)) {
            JsonNode d = client.deployment(id).body();
            JsonNode p = client.progress(id).body();
            String line = d.path("status").asText() + progressLine(p);
            if (!line.equals(lastLine)) {
                say(line);
                lastLine = line;
            }
            boolean podDone = d.path("podId").isNull() || !d.path("podTerminatedAt").isNull();
            if (TERMINAL.contains(d.path("status").asText()) && podDone) {
                return d;
            }
            ServiceProcess.sleep(500);
        }
        throw new IllegalStateException("deployment " + id + " did not end within " + timeout);
    }

    private static String progressLine(JsonNode p) {
        if (p == null || !p.has("phase") || p.path("phase").isNull()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" | " + p.path("phase").asText());
        if (p.hasNonNull("step")) {
            sb.append(" step ").append(p.path("step").asInt());
            if (p.hasNonNull("totalSteps")) {
                sb.append('/').append(p.path("totalSteps").asInt());
            }
        }
        if (p.hasNonNull("percent")) {
            sb.append(String.format(" %.0f%%", p.path("percent").asDouble()));
        }
        if (p.hasNonNull("loss")) {
            sb.append(String.format(" loss %.3f", p.path("loss").asDouble()));
        }
        return sb.toString();
    }

    private boolean podTerminated(String podId) {
        if (podId == null || stack.simulator() == null) {
            return podId == null;
        }
        return stack.simulator().pods().stream()
                .filter(p -> p.id().equals(podId))
                .map(SimPod::status)
                .anyMatch("TERMINATED"::equals);
    }

    private static TrainpodClient.Answer expect(TrainpodClient.Answer a, int status) {
        if (a.status() != status) {
            throw new IllegalStateException("expected HTTP " + status + " but got " + a.status() + ": " + a.body());
        }
        return a;
    }

    private static void say(String s) {
        System.out.println("[demo] " + s);
    }
}
