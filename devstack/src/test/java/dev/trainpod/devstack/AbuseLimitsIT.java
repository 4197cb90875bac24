package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.runpod.SimPod;
import dev.trainpod.devstack.shipping.Nginx;
import dev.trainpod.devstack.shipping.Repo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What one client may take, attacked through the real nginx gateway (the compose configuration): a spoofed
 * {@code X-Forwarded-For} neither escapes the download guard nor locks a victim out, a flood of fresh addresses
 * leaves the guard's memory bounded, the 51st live stream of a user is refused, a stream with nothing more to send
 * ends, and a deployment past its artifact quota is answered with the problem and stores nothing. Each client
 * connects from an address of its own of 127.0.0.0/8 (all of it is loopback), which nginx reports as
 * {@code $remote_addr}.
 */
class AbuseLimitsIT {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalStack stack;
    private static OwnerFixture.Owner a;
    private static Gateway gateway;
    private static ActiveJob job;

    /** A running deployment of a user of this test, with its pod's job token. */
    private record ActiveJob(String userToken, String id, String jobToken) {
    }

    @BeforeAll
    static void startGateway() {
        stack = SharedStack.get();
        a = OwnerFixture.get();
        gateway = Nginx.start(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl());
    }

    @AfterAll
    static void stop() {
        if (job != null) {
            ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments/" + job.id() + "/cancel", job.userToken(),
                    null);
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void aSpoofedForwardedForNeitherEscapesTheGuessLimitNorLocksOutTheVictim() {
        String guesser = loopback();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String spoofed = "198.18." + i / 256 + "." + i % 256;
            statuses.add(fromAddress(guesser, "GET", "/api/v1/downloads/" + randomToken(),
                    "X-Forwarded-For", spoofed, "X-Real-IP", spoofed).status());
        }
        assertThat(statuses).as("60 guesses, each under a fresh forwarded address").containsOnly(404, 429);
        assertThat(statuses.subList(50, 60)).containsOnly(429);

        String victim = loopback();
        String attacker = loopback();
        for (int i = 0; i < 30; i++) {
            fromAddress(attacker, "GET", "/api/v1/downloads/" + randomToken(), "X-Forwarded-For", victim,
                    "X-Real-IP", victim);
        }
        assertThat(fromAddress(attacker, "GET", "/api/v1/downloads/" + randomToken()).status())
                .as("the attacker's own address is the one limited").isEqualTo(429);
        Answer download = fromAddress(victim, "GET", "/api/v1/downloads/"
                + OwnerFixture.mintDownloadToken(stack, a, 3600, 5));
        assertThat(download.status()).as("the victim downloads its dataset: " + download).isEqualTo(200);
        assertThat(download.body()).isEqualTo(new String(OwnerFixture.example(), StandardCharsets.UTF_8));
    }

    @Test
    void tenThousandFreshForwardedAddressesLeaveTheGuardsMemoryBounded() throws Exception {
        double before = guardClients();
        String flooder = loopback();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int part = 0; part < 8; part++) {
                int first = part * 1250;
                parts.add(pool.submit(() -> {
                    for (int i = first; i < first + 1250; i++) {
                        String fresh = "2001:db8:" + Integer.toHexString(i) + "::1";
                        int status = fromAddress(flooder, "GET", "/api/v1/downloads/" + randomToken(),
                                "X-Forwarded-For", fresh, "X-Real-IP", "10." + i / 256 + "." + i % 256 + ".1").status();
                        statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    }
                }));
            }
            for (Future<?> part : parts) {
                part.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(statuses.keySet()).containsOnly(404, 429);
        assertThat(statuses.get(429).get()).as("all but the burst are refused").isGreaterThan(9_900);
        assertThat(guardClients() - before).as("addresses the guard remembers after 10,000 fresh ones")
                .isLessThanOrEqualTo(1);
    }

    @Test
    void theFiftyFirstStreamOfAUserIsRefused() throws Exception {
        ActiveJob running = activeJob();
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            List<CompletableFuture<HttpResponse<InputStream>>> opening = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                opening.add(HTTP.sendAsync(stream(running, null), HttpResponse.BodyHandlers.ofInputStream()));
            }
            for (CompletableFuture<HttpResponse<InputStream>> f : opening) {
                HttpResponse<InputStream> r = f.get(60, TimeUnit.SECONDS);
                open.add(r);
                assertThat(r.statusCode()).isEqualTo(200);
            }

            HttpResponse<String> refused = HTTP.send(stream(running, null), HttpResponse.BodyHandlers.ofString());

            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(refused.body()).contains("too-many-streams");
        } finally {
            for (HttpResponse<InputStream> r : open) {
                r.body().close();
            }
        }
    }

    @Test
    void aStreamWithNothingMoreToSendEnds() throws Exception {
        ActiveJob running = activeJob();
        // the previous test's streams may take a moment to be seen closed
        HttpResponse<String> past = ItHttp.await("a stream slot", Duration.ofSeconds(30), () -> {
            try {
                return HTTP.sendAsync(stream(running, "999999999999"), HttpResponse.BodyHandlers.ofString())
                        .get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> r.statusCode() != 429);
        assertThat(past.statusCode()).isEqualTo(200);
        assertThat(past.body()).as("a stream opened past the last event ends, sending nothing")
                .doesNotContain("event:");

        HttpRequest ended = HttpRequest.newBuilder(URI.create(gateway.url() + "/api/v1/jobs/" + a.deploymentId()
                        + "/stream")).header("Authorization", "Bearer " + a.token())
                .header("Accept", "text/event-stream").build();
        HttpResponse<String> whole = HTTP.sendAsync(ended, HttpResponse.BodyHandlers.ofString())
                .get(60, TimeUnit.SECONDS);
        assertThat(whole.body()).as("an ended job's stream ends after its last event").contains("\"ENDED\"");
    }

    @Test
    void anArtifactPastTheDeploymentsQuotaIsRefusedAndNotStored() {
        ActiveJob running = activeJob();
        Answer refused = null;
        String refusedName = null;
        for (int i = 0; i < 60 && refused == null; i++) {
            String name = "abuse-" + i + ".bin";
            Answer r = fromAddress(loopback(), "PUT", "/api/v1/pod/artifacts/" + name,
                    "Authorization", "Bearer " + running.jobToken(), "Content-Type", "application/octet-stream",
                    "Content-Length", "10", "", "0123456789");
            if (r.status() != 201) {
                refused = r;
                refusedName = name;
            }
        }

        assertThat(refused).as("an artifact beyond the deployment's 50").isNotNull();
        assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.body()).contains("artifact-quota-exceeded", "ARTIFACT_COUNT_QUOTA", "limit 50, in use 50");
        JsonNode stored = ItHttp.send("GET", gateway.url() + "/api/v1/artifacts?deploymentId=" + running.id(),
                running.userToken(), null).body();
        List<String> names = new ArrayList<>();
        stored.forEach(artifact -> names.add(artifact.path("name").asText()));
        assertThat(names).hasSizeLessThanOrEqualTo(50).doesNotContain(refusedName);
    }

    /** A long simulated deployment of a user of this test, created through the gateway once and cancelled at the end. */
    private static synchronized ActiveJob activeJob() {
        if (job != null) {
            return job;
        }
        String token = stack.keys().userToken("abuse-" + UUID.randomUUID().toString().substring(0, 8));
        TrainpodClient user = new TrainpodClient(gateway.url(), gateway.url(), gateway.url(), token);
        assertThat(user.storeRunPodKey(stack.runPodApiKey()).status()).isEqualTo(204);
        String datasetId = user.uploadDataset(Repo.path("examples/sft-messages.jsonl")).body().path("id").asText();
        TrainpodClient.Answer created = user.createDeployment("""
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["NVIDIA RTX A4000"]}, "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "simulation": {"steps": 2000, "stepSeconds": 0.5}}
                """.formatted(datasetId));
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(202);
        String id = created.body().path("id").asText();
        job = new ActiveJob(token, id, null);
        ItHttp.await("the job to be known to metrics-service", Duration.ofSeconds(60), () -> user.progress(id).status(),
                status -> status == 200);
        String podId = ItHttp.await("the deployment's pod", Duration.ofSeconds(60),
                () -> user.deployment(id).body().path("podId").asText(""), p -> !p.isEmpty());
        SimPod pod = stack.simulator().pods().stream().filter(p -> p.id().equals(podId)).findFirst()
                .orElseThrow(() -> new AssertionError("the simulator never saw pod " + podId));
        job = new ActiveJob(token, id, pod.env().get("TRAINPOD_JOB_TOKEN"));
        return job;
    }

    private static HttpRequest stream(ActiveJob running, String lastEventId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url() + "/api/v1/jobs/" + running.id()
                        + "/stream")).header("Authorization", "Bearer " + running.userToken())
                .header("Accept", "text/event-stream");
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        return b.build();
    }

    /** The download guard's remembered addresses, from dataset-service's Prometheus metrics. */
    private static double guardClients() {
        Answer metrics = get(stack.datasetUrl() + "/q/metrics");
        return metrics.body().lines().filter(l -> l.startsWith("trainpod_download_guard_clients"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no trainpod_download_guard_clients in /q/metrics"));
    }

    private static Answer get(String url) {
        ItHttp.Raw r = ItHttp.exchange("GET", url, null);
        return new Answer(r.status(), r.body());
    }

    /** An answer read off the wire. */
    private record Answer(int status, String body) {
    }

    /**
     * One HTTP/1.0 request (the answer is neither chunked nor kept alive) to the gateway from the given local
     * address; headers are name, value pairs, and a pair with an empty name is the body.
     */
    private static Answer fromAddress(String local, String method, String path, String... headers) {
        StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.0\r\nHost: trainpod.test\r\n");
        String body = "";
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].isEmpty()) {
                body = headers[i + 1];
            } else {
                request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
        }
        request.append("\r\n").append(body);
        URI gatewayUri = URI.create(gateway.url());
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(local, 0));
            socket.connect(new InetSocketAddress(gatewayUri.getHost(), gatewayUri.getPort()), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(answer);
            String text = answer.toString(StandardCharsets.UTF_8);
            int headEnd = text.indexOf("\r\n\r\n");
            String head = headEnd < 0 ? text : text.substring(0, headEnd);
            String content = headEnd < 0 ? "" : text.substring(headEnd + 4);
            return new Answer(Integer.parseInt(head.substring(9, 12)), content);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " from " + local, e);
        }
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A loopback address of its own for one client. */
    private static String loopback() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "127." + (1 + r.nextInt(254)) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
    }
}
