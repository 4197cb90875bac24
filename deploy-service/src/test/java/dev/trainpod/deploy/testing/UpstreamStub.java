package dev.trainpod.deploy.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small stand-in for RunPod (an empty pod list, a one-GPU catalog: NVIDIA L40S, 48 GB, 8 per pod) and for
 * dataset-service's internal dataset lookup (every id is a valid 1000-row SFT dataset of the asking user), so a
 * deploy-service test can reach the estimate. It answers {@code GET /_calls} with the requests it received, one
 * "METHOD path" per line, and refuses pod creation (the tests that use it must never create one).
 */
public class UpstreamStub implements QuarkusTestResourceLifecycleManager {

    /** The GPU type the stub's catalog offers. */
    public static final String GPU = "NVIDIA L40S";

    private static final String CATALOG = """
            {"gpus": [{"id": "NVIDIA L40S", "name": "L40S", "memory": 48, "secure": true, "community": true,
              "price": {"secure": 0.86, "community": 0.79}, "maxCount": {"secure": 8, "community": 8},
              "availability": "HIGH"}]}""";
    private static final String DATASET = """
            {"id": "%s", "userId": "%s", "name": "stub.jsonl", "bytes": 4000000, "sha256": "00",
             "format": "SFT_MESSAGES", "rows": 1000, "estimatedTokens": 1000000, "fitsMethods": ["SFT"],
             "errorCount": 0}""";

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::answer);
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of("quarkus.rest-client.runpod.url", url, "trainpod.deploy.dataset-service-url", url,
                "quarkus.rest-client.dataset-service.url", url);
    }

    private void answer(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        if (path.equals("/_calls")) {
            send(ex, 200, String.join("\n", calls));
            return;
        }
        calls.add(method + " " + path);
        if (method.equals("GET") && path.equals("/v2/pods")) {
            send(ex, 200, "{\"pods\": []}");
        } else if (method.equals("GET") && path.equals("/v2/catalog/gpus")) {
            send(ex, 200, CATALOG);
        } else if (method.equals("GET") && path.startsWith("/internal/v1/datasets/")) {
            String query = ex.getRequestURI().getQuery();
            String user = query == null ? "" : query.replaceFirst("^.*userId=([^&]*).*$", "$1");
            send(ex, 200, DATASET.formatted(path.substring(path.lastIndexOf('/') + 1), user));
        } else {
            send(ex, 404, "{\"error\": \"not stubbed\"}");
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
