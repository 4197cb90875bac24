package dev.trainpod.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Trainpod's public API as the CLI calls it: the user's bearer token on every request, JSON in and out, and every
 * error answer or transport failure turned into a {@link CliException} with the right exit code.
 */
public final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL).build();
    private final Endpoints endpoints;
    private final String token;

    /** A client that sends {@code token}; fails with {@link ExitCode#AUTH} at once when there is none or it expired. */
    public ApiClient(Endpoints endpoints, String token) {
        if (token == null || token.isBlank()) {
            throw new CliException(ExitCode.AUTH, "Not signed in.",
                    "Run trainpod login (or trainpod login --token-file FILE), or set TRAINPOD_TOKEN.");
        }
        Tokens.expiresAt(token).filter(exp -> exp.isBefore(Instant.now())).ifPresent(exp -> {
            throw new CliException(ExitCode.AUTH, "Your sign-in expired at " + exp + ".", "Run trainpod login again.");
        });
        this.endpoints = endpoints;
        this.token = token;
    }

    public String url(Service service, String path) {
        return endpoints.of(service) + path;
    }

    /** A request to a service's path with the token and JSON accepted; callers add the method and body. */
    public HttpRequest.Builder request(Service service, String path) {
        return HttpRequest.newBuilder(URI.create(url(service, path)))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
    }

    /** GET of a JSON document. */
    public JsonNode get(Service service, String path) {
        return json(service, request(service, path).GET().build());
    }

    /** A request with a JSON body (or none when {@code body} is null); answers the JSON reply (null when empty). */
    public JsonNode send(Service service, String method, String path, JsonNode body, Map<String, String> headers) {
        HttpRequest.Builder b = request(service, path);
        headers.forEach(b::header);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        return json(service, b.build());
    }

    /** Sends a request and answers the JSON reply; an error status becomes a {@link CliException}. */
    public JsonNode json(Service service, HttpRequest request) {
        HttpResponse<byte[]> answer = exchange(service, request, HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() >= 300) {
            throw Problems.fromAnswer(service, answer.statusCode(), answer.body());
        }
        return readJson(answer.body());
    }

    /** Sends a request, whatever the status it answers; only transport failures are turned into exceptions. */
    public <T> HttpResponse<T> exchange(Service service, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw Problems.fromTransport(service, request.uri().toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.UNAVAILABLE, "Interrupted while waiting for " + service.label() + ".", null);
        }
    }

    /** A JSON body, or null when it is empty. */
    public static JsonNode readJson(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new CliException(ExitCode.UNAVAILABLE, "The service answered something that is not JSON.",
                    "Check that the API address points at Trainpod (--api-url, TRAINPOD_API_URL).");
        }
    }
}
