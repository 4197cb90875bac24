package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile input on every endpoint that takes a body or a name (from the services' OpenAPI documents): malformed
 * and mistyped JSON, bodies over the limits, a dataset line over the line limit, path traversal and CR/LF in names.
 * Each is answered 4xx with problem+json, never 500, and leaves nothing behind.
 */
class InputAttackIT {

    private static final List<String> MALFORMED = List.of("{", "{\"a\":", "not json", "{\"a\":1}}", "[", "\u0000",
            "{'single': 'quotes'}", "[".repeat(5000) + "]".repeat(5000), "{\"a\": 1e999999999}",
            "{\"a\": \"\\ud800\"}", "");
    private static final List<String> WRONG_SHAPE = List.of("[]", "null", "42", "\"text\"", "true",
            "{\"datasetId\": {}, \"baseModel\": [], \"method\": 1, \"gpu\": \"x\", \"limits\": [], \"apiKey\": [],"
                    + " \"points\": \"x\", \"phase\": 7, \"lines\": {}, \"userId\": 5, \"ttlSeconds\": \"x\"}",
            "{\"points\": null, \"lines\": null, \"phase\": null, \"apiKey\": null, \"gpu\": null}",
            "{\"points\": [{\"step\": \"one\"}], \"lines\": [1, {}], \"gpu\": {\"types\": \"x\", \"count\": \"y\"}}",
            "{\"points\": [null], \"lines\": [null], \"gpu\": {\"types\": [null]}, \"limits\": {\"maxCostUsd\": -1}}");

    private static LocalStack stack;
    private static String user;
    private static String jobOwner;
    private static String liveDeployment;
    private static String liveJobToken;
    private static List<ApiSurface.Endpoint> endpoints;

    @BeforeAll
    static void startALiveJob() {
        stack = SharedStack.get();
        endpoints = ApiSurface.of(stack);
        user = stack.keys().userToken("input-" + UUID.randomUUID());
        // A job of another user that runs while the test does, so that job endpoints reach their body handling.
        jobOwner = stack.keys().userToken("input-job-" + UUID.randomUUID());
        assertThat(ItHttp.send("PUT", stack.deployUrl() + "/api/v1/secrets/runpod", jobOwner,
                "{\"apiKey\": \"" + stack.runPodApiKey() + "\"}").status()).isEqualTo(204);
        ItHttp.Raw dataset = ItHttp.exchange("POST", stack.datasetUrl() + "/api/v1/datasets?name=job.jsonl",
                OwnerFixture.example(), "Authorization", "Bearer " + jobOwner, "Content-Type", "application/x-ndjson");
        assertThat(dataset.status()).as(dataset.toString()).isEqualTo(201);
        ItHttp.Answer created = ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments", jobOwner, """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["NVIDIA RTX A4000"]}, "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "simulation": {"steps": 2000, "stepSeconds": 0.5}}
                """.formatted(json(dataset.body()).path("id").asText()));
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(202);
        liveDeployment = created.body().path("id").asText();
        JsonNode running = ItHttp.await("the live job to start", Duration.ofSeconds(60),
                () -> ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments/" + liveDeployment, jobOwner, null)
                        .body(), d -> "RUNNING".equals(d.path("status").asText()));
        liveJobToken = stack.simulator().pods().stream().filter(p -> p.id().equals(running.path("podId").asText()))
                .findFirst().orElseThrow().env().get("TRAINPOD_JOB_TOKEN");
        SecretScanIT.remember(user);
        SecretScanIT.remember(jobOwner);
        SecretScanIT.remember(liveJobToken);
    }

    @AfterAll
    static void cancelTheLiveJob() {
        if (liveDeployment != null) {
            ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments/" + liveDeployment + "/cancel", jobOwner,
                    null);
        }
    }

    @Test
    void malformedAndMistypedJsonIsAProblemOnEveryJsonEndpoint() {
        List<ApiSurface.Endpoint> json = endpoints.stream().filter(ApiSurface.Endpoint::takesJson).toList();
        assertThat(json).hasSizeGreaterThanOrEqualTo(6);
        List<String> failures = new ArrayList<>();
        for (ApiSurface.Endpoint e : json) {
            for (String body : Stream.concat(MALFORMED.stream(), WRONG_SHAPE.stream()).toList()) {
                ItHttp.Raw r = send(e, body.getBytes(StandardCharsets.UTF_8), "application/json");
                if (r.status() < 400 || r.status() >= 500 || !r.isProblem()) {
                    failures.add(e + " with " + abbreviate(body) + ": " + r);
                }
            }
        }

        assertThat(failures).isEmpty();
        assertNothingStoredForTheUser();
    }

    @Test
    void bodiesOverTheLimitsAreRefusedWith413() {
        List<String> failures = new ArrayList<>();
        for (ApiSurface.Endpoint e : endpoints) {
            if (e.takesJson() && !e.isPublic()) {
                // deploy-service takes 10 MiB bodies, metrics-service 2 MiB, dataset-service 1 MiB of JSON
                long declared = ("deploy-service".equals(e.service()) ? 11 : 3) * 1024 * 1024;
                String answer = rawRequest(e.baseUrl(), e.method() + " " + e.url(p -> liveDeployment)
                        .substring(e.baseUrl().length()), Map.of("Authorization", "Bearer " + tokenFor(e),
                        "Content-Type", "application/json", "Content-Length", String.valueOf(declared)), "{\"a\": \"");
                if (!answer.startsWith("HTTP/1.1 413") || !answer.contains("application/problem+json")) {
                    failures.add(e + " declaring " + declared + " bytes: " + abbreviate(answer));
                }
            }
        }
        String upload = rawRequest(stack.datasetUrl(), "POST /api/v1/datasets?name=huge.jsonl",
                Map.of("Authorization", "Bearer " + user, "Content-Type", "application/x-ndjson",
                        "Content-Length", String.valueOf(2L << 30)), "{\"text\": \"a\"}\n");

        assertThat(failures).isEmpty();
        assertThat(upload).startsWith("HTTP/1.1 413").contains("application/problem+json").contains("dataset-too-large");
        ItHttp.Raw tus = ItHttp.exchange("POST", stack.datasetUrl() + "/api/v1/uploads?name=huge.jsonl", null,
                "Authorization", "Bearer " + user, "Upload-Length", String.valueOf(2L << 30));
        assertThat(tus.status()).as(tus.toString()).isEqualTo(413);
        assertThat(tus.isProblem()).isTrue();
        assertNothingStoredForTheUser();
    }

    @Test
    void aDatasetLineOverTheLineLimitIsReportedWithoutReadingIt() {
        // The line limit is 8 MiB by default; such a dataset is kept as INVALID with the line's error (the API
        // answers a dataset's line errors in its summary), and cannot be deployed.
        byte[] body = ("{\"text\": \"" + "a".repeat(9 * 1024 * 1024) + "\"}\n{\"text\": \"ok\"}\n")
                .getBytes(StandardCharsets.UTF_8);
        String other = stack.keys().userToken("long-line-" + UUID.randomUUID());
        ItHttp.Raw r = ItHttp.exchange("POST", stack.datasetUrl() + "/api/v1/datasets?name=long.jsonl", body,
                "Authorization", "Bearer " + other, "Content-Type", "application/x-ndjson");

        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode dataset = json(r.body());
        assertThat(dataset.path("format").asText()).isEqualTo("INVALID");
        assertThat(dataset.path("errors").get(0).path("line").asInt()).isEqualTo(1);
        ItHttp.Answer estimate = ItHttp.send("POST", stack.deployUrl() + "/api/v1/estimates", other, """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["NVIDIA RTX A4000"]}, "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5}}
                """.formatted(dataset.path("id").asText()));
        assertThat(estimate.body().findValuesAsText("code")).contains("DATASET_INVALID");
    }

    @Test
    void traversalInNamesAndPathsReachesNothingOutsideTheUsersOwn() throws IOException {
        String base = stack.datasetUrl();
        List<String> names = List.of("../../../../etc/passwd", "..\\..\\windows\\win.ini", "%2e%2e%2f%2e%2e%2fx.jsonl",
                "..%252f..%252fy.jsonl", "/absolute/z.jsonl", "./../w.jsonl");
        for (String name : names) {
            ItHttp.Raw r = ItHttp.exchange("POST", base + "/api/v1/datasets?name=" + encode(name), OwnerFixture.example(),
                    "Authorization", "Bearer " + user, "Content-Type", "application/x-ndjson");
            assertThat(r.status()).as(name + ": " + r).isEqualTo(201);
            String stored = json(r.body()).path("name").asText();
            assertThat(stored).as(name).doesNotContain("/", "\\").isNotIn(".", "..");
            deleteDataset(json(r.body()).path("id").asText());
        }
        // Dot segments themselves are resolved by the server (RFC 3986) into another of the caller's own paths.
        for (String path : List.of("/api/v1/downloads/..%2F..%2F..%2Fetc%2Fpasswd", "/api/v1/downloads/..%2Fdatasets",
                "/api/v1/artifacts/..%2F..%2Fdatasets/content", "/api/v1/datasets/..%2F..%2Fetc%2Fpasswd",
                "/api/v1/datasets/%2e%2e")) {
            ItHttp.Raw r = ItHttp.exchange("GET", base + path, null, "Authorization", "Bearer " + user);
            assertThat(r.status()).as(path + ": " + r).isBetween(400, 499);
            assertThat(r.body()).as(path).doesNotContain("root:", "owner-private");
        }
        for (String name : List.of("..", ".", "..%2F..%2Fdatasets%2Fx", "%2E%2E", "a%00b", "a%0D%0AX-Injected:%201",
                "x".repeat(200))) {
            ItHttp.Raw r = ItHttp.exchange("PUT", base + "/api/v1/pod/artifacts/" + name,
                    "payload".getBytes(StandardCharsets.UTF_8), "Authorization", "Bearer " + liveJobToken,
                    "Content-Type", "application/octet-stream");
            assertThat(r.status()).as(name + ": " + r).isBetween(400, 499);
            assertThat(r.isProblem()).as(name + ": " + r).isTrue();
        }
        try (Stream<Path> files = Files.walk(stack.logDir().getParent())) {
            assertThat(files.map(Path::getFileName).map(Path::toString))
                    .doesNotContain("passwd", "win.ini", "x.jsonl", "y.jsonl", "z.jsonl", "w.jsonl");
        }
        assertNothingStoredForTheUser();
    }

    @Test
    void controlCharactersInNamesNeverReachAHeaderOrAName() {
        String injected = "evil\r\nSet-Cookie: stolen=1\r\n\r\n.jsonl";
        ItHttp.Raw raw = ItHttp.exchange("POST", stack.datasetUrl() + "/api/v1/datasets?name=" + encode(injected),
                OwnerFixture.example(), "Authorization", "Bearer " + user, "Content-Type", "application/x-ndjson");
        String metadata = "name " + java.util.Base64.getEncoder().encodeToString(injected.getBytes(StandardCharsets.UTF_8));
        ItHttp.Raw tus = ItHttp.exchange("POST", stack.datasetUrl() + "/api/v1/uploads", null,
                "Authorization", "Bearer " + user, "Upload-Length", "10", "Upload-Metadata", metadata);
        ItHttp.Raw deployment = ItHttp.exchange("POST", stack.deployUrl() + "/api/v1/deployments",
                "{}".getBytes(StandardCharsets.UTF_8), "Authorization", "Bearer " + user,
                "Content-Type", "application/json", "Idempotency-Key", "key%0D%0ASet-Cookie:%20stolen=1");

        for (ItHttp.Raw r : List.of(raw, tus, deployment)) {
            assertThat(r.status()).as(r.toString()).isLessThan(500);
            assertThat(r.headers().map().keySet()).as(r.toString()).noneMatch(h -> h.equalsIgnoreCase("Set-Cookie"));
            assertThat(r.body()).doesNotContain("\r", "\\r", "\\n");
        }
        assertThat(raw.status()).isEqualTo(201);
        assertThat(json(raw.body()).path("name").asText()).isEqualTo("evilSet-Cookie: stolen=1.jsonl");
        assertThat(tus.status()).isEqualTo(201);
        String upload = json(tus.body()).path("id").asText();
        ItHttp.Raw state = ItHttp.exchange("GET", stack.datasetUrl() + "/api/v1/uploads/" + upload, null,
                "Authorization", "Bearer " + user);
        assertThat(state.headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase("Set-Cookie"));
        ItHttp.exchange("DELETE", stack.datasetUrl() + "/api/v1/uploads/" + upload, null,
                "Authorization", "Bearer " + user);
        deleteDataset(json(raw.body()).path("id").asText());
    }

    /** The probe user has no dataset, deployment or RunPod key after its attacks. */
    private static void assertNothingStoredForTheUser() {
        assertThat(ItHttp.send("GET", stack.datasetUrl() + "/api/v1/datasets", user, null).body()).isEmpty();
        assertThat(ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments", user, null).body()).isEmpty();
        assertThat(ItHttp.send("GET", stack.deployUrl() + "/api/v1/secrets/runpod", user, null).body()
                .path("configured").asBoolean()).isFalse();
    }

    private static void deleteDataset(String id) {
        assertThat(ItHttp.send("DELETE", stack.datasetUrl() + "/api/v1/datasets/" + id, user, null).status())
                .isEqualTo(204);
    }

    /** The endpoint called with the token of its role, for the live job where it names one. */
    private static ItHttp.Raw send(ApiSurface.Endpoint e, byte[] body, String contentType) {
        return ItHttp.exchange(e.method(), e.url(p -> liveDeployment), body, "Authorization", "Bearer " + tokenFor(e),
                "Content-Type", contentType, "Accept", e.accept());
    }

    private static String tokenFor(ApiSurface.Endpoint e) {
        return e.roles().contains("job") ? liveJobToken
                : e.roles().contains("service") ? stack.keys().serviceToken() : user;
    }

    /** Sends a request line, headers and body as they are, and answers the response's status line and headers. */
    static String rawRequest(String baseUrl, String requestLine, Map<String, String> headers, String body) {
        URI uri = URI.create(baseUrl);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            StringBuilder head = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: localhost\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").append(body).toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int n = in.read(buffer);
            return n < 0 ? "" : new String(buffer, 0, n, StandardCharsets.UTF_8);
        } catch (SocketTimeoutException e) {
            return "(no answer in 10 s: the server waits for the body)";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode json(String body) {
        try {
            return ItHttp.JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String body) {
        return body.length() > 60 ? body.substring(0, 60) + "…" : body;
    }
}
