package dev.trainpod.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The OAuth 2.0 device authorization grant (RFC 8628) against an OpenID Connect provider found by discovery: the
 * CLI shows a code and an address, the person approves in any browser, and the CLI polls the token endpoint until
 * the provider hands out the access token (or says no, or the code expires).
 */
public final class DeviceFlow {

    private static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
    private static final int DEFAULT_INTERVAL_SECONDS = 5;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL).build();
    private final String issuer;
    private final String clientId;
    private final String scope;
    private final PrintStream prompt;

    /**
     * @param prompt where the instructions for the person go (stderr, so that stdout stays a command's result)
     */
    public DeviceFlow(String issuer, String clientId, String scope, PrintStream prompt) {
        this.issuer = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        this.clientId = clientId;
        this.scope = scope;
        this.prompt = prompt;
    }

    /** Runs the flow to its end and answers the access token. */
    public String signIn() {
        JsonNode discovery = call(HttpRequest.newBuilder(URI.create(issuer + "/.well-known/openid-configuration"))
                .timeout(Duration.ofSeconds(30)).GET().build(), "discovery");
        String deviceEndpoint = discovery.path("device_authorization_endpoint").asText(null);
        String tokenEndpoint = discovery.path("token_endpoint").asText(null);
        if (deviceEndpoint == null || tokenEndpoint == null) {
            throw new CliException(ExitCode.AUTH, "The identity provider at " + issuer
                    + " does not offer the device authorization grant.",
                    "Sign in with a token instead: trainpod login --token-file FILE.");
        }
        JsonNode device = call(form(deviceEndpoint, Map.of("client_id", clientId, "scope", scope)),
                "device authorization");
        String deviceCode = device.path("device_code").asText(null);
        if (deviceCode == null) {
            throw new CliException(ExitCode.AUTH, "The identity provider answered no device code.", null);
        }
        String address = device.path("verification_uri_complete").asText(device.path("verification_uri").asText());
        prompt.println("To sign in, open " + address);
        prompt.println("and confirm the code " + device.path("user_code").asText() + " (waiting for you; Ctrl-C stops).");
        prompt.flush();
        Instant deadline = Instant.now().plusSeconds(device.path("expires_in").asLong(600));
        long interval = Math.max(1, device.path("interval").asLong(DEFAULT_INTERVAL_SECONDS));
        while (Instant.now().isBefore(deadline)) {
            sleep(interval);
            HttpResponse<byte[]> answer = send(form(tokenEndpoint, Map.of("grant_type", GRANT_TYPE,
                    "device_code", deviceCode, "client_id", clientId)), "token");
            JsonNode body = json(answer.body());
            if (answer.statusCode() == 200 && body.hasNonNull("access_token")) {
                return body.get("access_token").asText();
            }
            String error = body.path("error").asText("");
            switch (error) {
                case "authorization_pending" -> {
                }
                case "slow_down" -> interval += 5;
                case "access_denied" -> throw new CliException(ExitCode.AUTH, "The sign-in was denied.", null);
                case "expired_token" -> throw expired();
                default -> throw new CliException(ExitCode.AUTH, "The identity provider refused the sign-in: "
                        + (error.isEmpty() ? "HTTP " + answer.statusCode() : error)
                        + (body.hasNonNull("error_description") ? " (" + body.get("error_description").asText() + ")" : ""),
                        null);
            }
        }
        throw expired();
    }

    private static CliException expired() {
        return new CliException(ExitCode.AUTH, "The sign-in code expired before it was confirmed.",
                "Run trainpod login again.");
    }

    private HttpRequest form(String endpoint, Map<String, String> fields) {
        String body = fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return HttpRequest.newBuilder(URI.create(endpoint)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private JsonNode call(HttpRequest request, String step) {
        HttpResponse<byte[]> answer = send(request, step);
        if (answer.statusCode() != 200) {
            JsonNode body = json(answer.body());
            throw new CliException(ExitCode.AUTH, "The identity provider's " + step + " answered HTTP "
                    + answer.statusCode() + (body.hasNonNull("error") ? " (" + body.get("error").asText() + ")" : "")
                    + ".", "Check --issuer (" + issuer + ") and --client-id (" + clientId + ").");
        }
        return json(answer.body());
    }

    private HttpResponse<byte[]> send(HttpRequest request, String step) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new CliException(ExitCode.UNAVAILABLE, "Cannot reach the identity provider's " + step + " at "
                    + request.uri() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
                    "Check --issuer (" + issuer + ").");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.AUTH, "Sign-in interrupted.", null);
        }
    }

    private static JsonNode json(byte[] body) {
        try {
            JsonNode node = ApiClient.readJson(body);
            return node == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : node;
        } catch (CliException e) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
    }

    private static void sleep(long seconds) {
        try {
            Thread.sleep(seconds * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.AUTH, "Sign-in interrupted.", null);
        }
    }
}
