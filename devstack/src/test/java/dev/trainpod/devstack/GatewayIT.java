package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.devstack.shipping.Nginx;
import dev.trainpod.devstack.shipping.Repo;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The compose gateway's nginx configuration, run by a real nginx in front of the local stack. */
class GatewayIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalStack stack;
    private static Gateway gateway;
    private static String token;

    @BeforeAll
    static void startGateway() {
        stack = SharedStack.get();
        gateway = Nginx.start(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl());
        token = "Bearer " + stack.keys().userToken("gateway-user");
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void eachPrefixReachesItsServiceAndAnswersAsTheServiceDoes() throws Exception {
        assertSameAnswer("/api/v1/deployments", stack.deployUrl());
        assertSameAnswer("/api/v1/secrets/runpod", stack.deployUrl());
        assertSameAnswer("/api/v1/gpu-types", stack.deployUrl());
        assertSameAnswer("/api/v1/datasets", stack.datasetUrl());
        assertSameAnswer("/api/v1/downloads/" + "x".repeat(43), stack.datasetUrl());
        assertSameAnswer("/api/v1/jobs/" + UUID.randomUUID() + "/progress", stack.metricsUrl());
    }

    @Test
    void internalAndManagementPathsAreNotReachableThroughTheGateway() throws Exception {
        for (String path : new String[] {"/internal/v1/datasets/" + UUID.randomUUID() + "?userId=x", "/q/health",
                "/q/metrics", "/api/v1/deploymentsX"}) {
            HttpResponse<String> r = get(gateway.url() + path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).contains("No such resource.");
        }
    }

    @Test
    void aOneGibibyteUploadStreamsThroughTheGateway() throws Exception {
        long lines = 1L << 20;
        GeneratedDataset body = new GeneratedDataset(lines, 1024);
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url() + "/api/v1/datasets?name=big.jsonl"))
                .timeout(Duration.ofMinutes(10))
                .header("Authorization", token)
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body),
                        body.length()))
                .build();
        HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode dataset = JSON.readTree(r.body());
        assertThat(dataset.path("bytes").asLong()).isEqualTo(1L << 30);
        assertThat(dataset.path("rows").asLong()).isEqualTo(lines);
        assertThat(dataset.path("format").asText()).isEqualTo("SFT_TEXT");
        assertThat(dataset.path("sha256").asText()).isEqualTo(body.sha256());
        HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(
                        URI.create(gateway.url() + "/api/v1/datasets/" + dataset.path("id").asText()))
                .header("Authorization", token).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).isEqualTo(204);
    }

    @Test
    void serverSentEventsArriveThroughTheGatewayAsTheyHappen() throws Exception {
        TrainpodClient user = new TrainpodClient(gateway.url(), gateway.url(), gateway.url(),
                stack.keys().userToken("gateway-user"));
        assertThat(user.storeRunPodKey(stack.runPodApiKey()).status()).isEqualTo(204);
        String datasetId = user.uploadDataset(Repo.path("examples/sft-messages.jsonl")).body().path("id").asText();
        TrainpodClient.Answer created = user.createDeployment("""
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["NVIDIA RTX A4000"]}, "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "simulation": {"steps": 60, "stepSeconds": 0.25}}
                """.formatted(datasetId));
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(202);
        String id = created.body().path("id").asText();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (user.progress(id).status() != 200 && Instant.now().isBefore(deadline)) {
            ServiceProcess.sleep(200);
        }

        List<Instant> metricArrivals = new ArrayList<>();
        HttpRequest stream = HttpRequest.newBuilder(URI.create(gateway.url() + "/api/v1/jobs/" + id + "/stream"))
                .header("Authorization", token).header("Accept", "text/event-stream")
                .timeout(Duration.ofMinutes(3)).build();
        HttpResponse<Stream<String>> r = HTTP.send(stream, HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        r.body().filter(line -> line.replace(" ", "").equals("event:metric"))
                .forEach(line -> metricArrivals.add(Instant.now()));
        Instant streamEnded = Instant.now();

        assertThat(metricArrivals).as("metric events through the gateway").hasSizeGreaterThan(20);
        // Buffered by the gateway, they would all arrive together when the stream ends.
        assertThat(Duration.between(metricArrivals.get(0), streamEnded)).isGreaterThan(Duration.ofSeconds(5));
        assertThat(Duration.between(metricArrivals.get(0), metricArrivals.get(metricArrivals.size() - 1)))
                .isGreaterThan(Duration.ofSeconds(5));
    }

    private static void assertSameAnswer(String path, String serviceUrl) throws Exception {
        HttpResponse<String> viaGateway = get(gateway.url() + path);
        HttpResponse<String> direct = get(serviceUrl + path);
        assertThat(viaGateway.statusCode()).as(path).isEqualTo(direct.statusCode());
        assertThat(viaGateway.body()).as(path).isEqualTo(direct.body());
        assertThat(viaGateway.headers().firstValue("Content-Type"))
                .isEqualTo(direct.headers().firstValue("Content-Type"));
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", token)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Valid SFT_TEXT lines of a fixed length, generated as they are read, with their SHA-256. */
    static final class GeneratedDataset extends InputStream {

        private final long lines;
        private final byte[] line;
        private final MessageDigest digest;
        private long linesLeft;
        private int pos;
        private String sha256;

        GeneratedDataset(long lines, int lineBytes) throws NoSuchAlgorithmException {
            this.lines = lines;
            this.linesLeft = lines;
            String prefix = "{\"text\":\"";
            String suffix = "\"}\n";
            this.line = (prefix + "a".repeat(lineBytes - prefix.length() - suffix.length()) + suffix)
                    .getBytes(StandardCharsets.US_ASCII);
            this.digest = MessageDigest.getInstance("SHA-256");
            this.pos = line.length;
        }

        long length() {
            return lines * line.length;
        }

        String sha256() {
            return sha256;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == line.length) {
                if (linesLeft == 0) {
                    if (sha256 == null) {
                        sha256 = HexFormat.of().formatHex(digest.digest());
                    }
                    return -1;
                }
                linesLeft--;
                pos = 0;
            }
            int n = Math.min(len, line.length - pos);
            System.arraycopy(line, pos, b, off, n);
            digest.update(line, pos, n);
            pos += n;
            return n;
        }
    }
}
