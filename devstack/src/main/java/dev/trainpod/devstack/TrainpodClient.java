package dev.trainpod.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/** A small client of Trainpod's public API, as a frontend would call it; used by the demo and the end-to-end test. */
public final class TrainpodClient {

    /** A response: status code and JSON body (null when empty or not JSON). */
    public record Answer(int status, JsonNode body, String contentType) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String deployUrl;
    private final String datasetUrl;
    private final String metricsUrl;
    private final String token;

    public TrainpodClient(String deployUrl, String datasetUrl, String metricsUrl, String token) {
        this.deployUrl = deployUrl;
        this.datasetUrl = datasetUrl;
        this.metricsUrl = metricsUrl;
        this.token = token;
    }

    public Answer storeRunPodKey(String apiKey) {
        return send(request(deployUrl + "/api/v1/secrets/runpod")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("apiKey", apiKey).toString())));
    }

    public Answer storeHuggingFaceToken(String hfToken) {
        return send(request(deployUrl + "/api/v1/secrets/huggingface")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("token", hfToken).toString())));
    }

    public Answer deleteHuggingFaceToken() {
        return send(request(deployUrl + "/api/v1/secrets/huggingface").DELETE());
    }

    /** Uploads a JSONL file as the multipart field {@code file}. */
    public Answer uploadDataset(Path file) {
        String boundary = "trainpod-" + UUID.randomUUID();
        try {
            byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                    + file.getFileName() + "\"\r\nContent-Type: application/x-ndjson\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
            byte[] content = Files.readAllBytes(file);
            byte[] body = new byte[head.length + content.length + tail.length];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(content, 0, body, head.length, content.length);
            System.arraycopy(tail, 0, body, head.length + content.length, tail.length);
            return send(request(datasetUrl + "/api/v1/datasets")
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    public Answer createDeployment(String bodyJson) {
        return send(request(deployUrl + "/api/v1/deployments")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(bodyJson)));
    }

    public Answer deployment(String id) {
        return send(request(deployUrl + "/api/v1/deployments/" + id).GET());
    }

    public Answer deploymentEvents(String id) {
        return send(request(deployUrl + "/api/v1/deployments/" + id + "/events").GET());
    }

    public Answer deployments() {
        return send(request(deployUrl + "/api/v1/deployments").GET());
    }

    public Answer cancel(String id) {
        return send(request(deployUrl + "/api/v1/deployments/" + id + "/cancel")
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    public Answer datasets() {
        return send(request(datasetUrl + "/api/v1/datasets").GET());
    }

    /** The complete artifacts of one deployment. */
    public Answer artifacts(String deploymentId) {
        return send(request(datasetUrl + "/api/v1/artifacts?deploymentId=" + deploymentId).GET());
    }

    public Answer progress(String id) {
        return send(request(metricsUrl + "/api/v1/jobs/" + id + "/progress").GET());
    }

    private HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
    }

    private Answer send(HttpRequest.Builder builder) {
        try {
            HttpResponse<String> r = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            String type = r.headers().firstValue("Content-Type").orElse("");
            JsonNode body = null;
            if (!r.body().isBlank()) {
                try {
                    body = JSON.readTree(r.body());
                } catch (IOException e) {
                    body = JSON.getNodeFactory().textNode(r.body());
                }
            }
            return new Answer(r.statusCode(), body, type);
        } catch (IOException e) {
            throw new IllegalStateException("request failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
