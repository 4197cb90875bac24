package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns HTTP exchanges into routed requests: authentication, injected faults, rate-limit headers and the
 * request journal for {@code /v2}; no authentication for {@code /_sim}; problem bodies for every failure.
 */
final class SimulatorHandler implements HttpHandler {

    private static final System.Logger LOG = System.getLogger(SimulatorHandler.class.getName());
    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final int MINUTE_QUOTA = 600;

    private final Router v2;
    private final Router control;
    private final ApiKeys keys;
    private final Faults faults;
    private final RequestJournal journal;

    SimulatorHandler(Router v2, Router control, ApiKeys keys, Faults faults, RequestJournal journal) {
        this.v2 = v2;
        this.control = control;
        this.keys = keys;
        this.faults = faults;
        this.journal = journal;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Instant received = Instant.now();
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            byte[] body = readBody(exchange);
            ApiResponse response;
            if (path.equals("/v2") || path.startsWith("/v2/")) {
                response = answer(() -> handleV2(exchange, method, path, body)).withHeaders(rateLimitHeaders());
                journal.record(new RequestJournal.Recorded(method, path, exchange.getRequestURI().getQuery(),
                        response.status(), Instant.now(), received, body == null ? null : Json.parseOrNull(body)));
            } else {
                response = answer(() -> control.dispatch(
                        request(exchange, method, path, null, Json.parse(requireBody(body)))));
            }
            send(exchange, response);
        }
    }

    private ApiResponse handleV2(HttpExchange exchange, String method, String path, byte[] body) {
        Caller caller = keys.authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
        if (!caller.mayAccess(path)) {
            throw new ApiProblem(403, "access denied: a pod's own key may act only on that pod");
        }
        JsonNode json = Json.parse(requireBody(body));
        faults.hold(method, path, json).ifPresent(SimulatorHandler::pause);
        faults.check(method, path, json).ifPresent(problem -> {
            throw problem;
        });
        ApiResponse answer = v2.dispatch(request(exchange, method, path, caller, json));
        Optional<Faults.After> after = faults.after(method, path, json);
        if (after.isPresent()) {
            pause(after.get().delay());
            if (after.get().problem() != null) {
                throw after.get().problem();
            }
        }
        return answer;
    }

    private static void pause(java.time.Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ApiResponse answer(ResponseSupplier route) {
        try {
            return route.get();
        } catch (ApiProblem problem) {
            return ApiResponse.problem(problem);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "simulator failed to handle a request", e);
            return ApiResponse.problem(new ApiProblem(500, "The simulator failed to handle this request."));
        }
    }

    /** A route invocation that may fail with a problem. */
    @FunctionalInterface
    private interface ResponseSupplier {
        ApiResponse get();
    }

    private static ApiRequest request(HttpExchange exchange, String method, String path, Caller caller,
                                      JsonNode body) {
        return new ApiRequest(method, path, query(exchange.getRequestURI().getRawQuery()),
                exchange.getRequestHeaders().getFirst("Last-Event-ID"), caller, body, List.of());
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.putIfAbsent(name, value);
        }
        return query;
    }

    /** The request body, or {@code null} when it is larger than the simulator accepts. */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            return body.length > MAX_BODY_BYTES ? null : body;
        }
    }

    private static byte[] requireBody(byte[] body) {
        if (body == null) {
            throw new ApiProblem(413, "The request body is larger than " + MAX_BODY_BYTES + " bytes.");
        }
        return body;
    }

    /** A fixed quota, as RunPod sends on every authenticated response; the simulator does not count calls. */
    private static Map<String, String> rateLimitHeaders() {
        long secondsLeftInMinute = 60 - Instant.now().getEpochSecond() % 60;
        return Map.of(
                "RateLimit", "\"minute\";r=" + MINUTE_QUOTA + ";t=" + secondsLeftInMinute,
                "RateLimit-Policy", "\"minute\";q=" + MINUTE_QUOTA + ";w=60");
    }

    private static void send(HttpExchange exchange, ApiResponse response) throws IOException {
        if (response.contentType() != null) {
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
        }
        response.headers().forEach(exchange.getResponseHeaders()::set);
        byte[] body = response.body();
        boolean noBody = body.length == 0 || exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(response.status(), noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
