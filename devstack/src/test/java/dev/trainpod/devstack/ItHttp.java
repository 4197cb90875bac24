package dev.trainpod.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** Plain HTTP for the deploy-service integration tests: the user API, and the simulator's control API. */
final class ItHttp {

    /** An answer: status, JSON body (or null) and content type. */
    record Answer(int status, JsonNode body, String contentType) {
    }

    /** One call the simulator answered, from its request journal. */
    record Call(String method, String path, int status, Instant time, Instant received, JsonNode body) {
    }

    /** An answer as it came: status, headers and body text. */
    record Raw(int status, HttpHeaders headers, String body) {

        String contentType() {
            return headers.firstValue("Content-Type").orElse("");
        }

        boolean isProblem() {
            return contentType().startsWith("application/problem+json");
        }

        @Override
        public String toString() {
            return status + " " + contentType() + " " + (body.length() > 300 ? body.substring(0, 300) + "…" : body);
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ItHttp() {
    }

    static Answer send(String method, String url, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = r.body().isBlank() ? null : JSON.readTree(r.body());
            return new Answer(r.statusCode(), json, r.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + url + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Any request, with the given headers (name, value, name, value, ...) and raw body (null for none); the
     * answer is read whatever its type.
     */
    static Raw exchange(String method, String url, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Raw(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + url + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Injects a fault into the simulator; answers its id. */
    static String fault(LocalStack stack, String spec) {
        Answer a = send("POST", stack.runPodUrl() + "/_sim/faults", null, spec);
        if (a.status() != 201) {
            throw new IllegalStateException("fault refused: " + a.body());
        }
        return a.body().path("id").asText();
    }

    static void clearFaults(LocalStack stack) {
        send("DELETE", stack.runPodUrl() + "/_sim/faults", null, null);
    }

    /** The /v2 calls the simulator answered, oldest first. */
    static List<Call> calls(LocalStack stack) {
        List<Call> calls = new ArrayList<>();
        for (JsonNode n : send("GET", stack.runPodUrl() + "/_sim/requests", null, null).body().path("requests")) {
            calls.add(new Call(n.path("method").asText(), n.path("path").asText(), n.path("status").asInt(),
                    Instant.parse(n.path("time").asText()), Instant.parse(n.path("received").asText()), n.get("body")));
        }
        return calls;
    }

    /** Polls every 200 ms until the condition holds, or fails with what was last seen. */
    static <T> T await(String what, Duration timeout, java.util.function.Supplier<T> read, Predicate<T> done) {
        return await(what, timeout, Duration.ofMillis(200), read, done);
    }

    /** Polls every {@code interval} until the condition holds, or fails with what was last seen. */
    static <T> T await(String what, Duration timeout, Duration interval, java.util.function.Supplier<T> read,
                       Predicate<T> done) {
        Instant deadline = Instant.now().plus(timeout);
        T last = read.get();
        while (!done.test(last)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what + "; last seen: " + last);
            }
            ServiceProcess.sleep(interval.toMillis());
            last = read.get();
        }
        return last;
    }
}
