package dev.trainpod.devstack.runpod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** A started simulator with fast timers and a small HTTP client for talking to it as RunPod's clients do. */
final class SimulatorFixture implements AutoCloseable {

    static final String KEY = "rpa_test_account_key";
    static final String RTX_4090 = "NVIDIA GeForce RTX 4090";
    static final String RTX_A4000 = "NVIDIA RTX A4000";
    static final Duration WAIT = Duration.ofSeconds(10);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One HTTP answer, its body kept as text. */
    record Reply(int status, HttpHeaders headers, String body) {

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    final RunPodSimulator simulator;
    final Path workRoot;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SimulatorFixture(RunPodSimulator simulator, Path workRoot) {
        this.simulator = simulator;
        this.workRoot = workRoot;
    }

    static SimulatorFixture start(Path workRoot) {
        return start(workRoot, builder -> { });
    }

    /** Starts a simulator with 50 ms transitions and 100 ms restarts, after the caller's own settings. */
    static SimulatorFixture start(Path workRoot, Consumer<RunPodSimulator.Builder> customise) {
        RunPodSimulator.Builder builder = RunPodSimulator.builder()
                .apiKey(KEY)
                .podWorkRoot(workRoot)
                .transitionDelay(Duration.ofMillis(50))
                .restartDelay(Duration.ofMillis(100));
        customise.accept(builder);
        return new SimulatorFixture(builder.build().start(), workRoot);
    }

    Reply send(String method, String path, String key, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(simulator.url() + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Reply get(String path) {
        return send("GET", path, KEY, null);
    }

    Reply post(String path, String body) {
        return send("POST", path, KEY, body);
    }

    Reply delete(String path) {
        return send("DELETE", path, KEY, null);
    }

    /** Creates a pod on one RTX 4090 running {@code args}, and answers its id. */
    String createPod(String args) {
        Reply reply = post("/v2/pods", podBody(RTX_4090, args, Map.of()));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().get("id").asText();
    }

    static String podBody(String gpuTypeId, String args, Map<String, String> env) {
        var body = JSON.createObjectNode()
                .put("name", "trainpod-test")
                .put("image", "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04")
                .put("args", args);
        body.putObject("gpu").put("id", gpuTypeId).put("count", 1);
        env.forEach(body.putObject("env")::put);
        return body.toString();
    }

    static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    SimPod pod(String id) {
        return simulator.pods().stream().filter(p -> p.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no pod " + id));
    }

    SimPod awaitPod(String id, Predicate<SimPod> condition) {
        await(() -> condition.test(pod(id)), "pod " + id + " to reach the expected state");
        return pod(id);
    }

    /** Reads a file the pod's container wrote into its work directory, once it has content. */
    String awaitFile(String podId, String name) {
        Path file = workRoot.resolve(podId).resolve(name);
        await(() -> {
            try {
                return Files.exists(file) && Files.size(file) > 0;
            } catch (IOException e) {
                return false;
            }
        }, file + " to be written");
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            sleep(20);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Whether a process still runs, judged by the kernel rather than the JDK: where init never reaps, a killed
     * grandchild stays a zombie for good, and {@link ProcessHandle#isAlive()} counts zombies as alive.
     */
    static boolean running(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.isDirectory(Path.of("/proc"))) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
        try {
            String text = Files.readString(stat);
            return text.charAt(text.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        simulator.close();
    }
}
