package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Slow-loris uploads: clients that trickle their request bodies a byte a second are cut off by the services'
 * body-rate guard (production settings: a body must advance 1 KiB every 10 s), while normal requests to the same
 * services are answered promptly, and nothing of the trickled uploads is kept.
 */
class SlowUploadIT {

    private static final int CLIENTS_PER_SERVICE = 4;

    @Test
    void tricklingClientsAreCutOffWhileOthersAreServed() throws Exception {
        LocalStack stack = SharedStack.get();
        String userId = "trickle-" + UUID.randomUUID();
        String token = stack.keys().userToken(userId);
        SecretScanIT.remember(token);
        ExecutorService clients = Executors.newFixedThreadPool(2 * CLIENTS_PER_SERVICE);
        List<CompletableFuture<Trickle>> trickles = new ArrayList<>();
        for (int i = 0; i < CLIENTS_PER_SERVICE; i++) {
            trickles.add(CompletableFuture.supplyAsync(() -> trickle(stack.datasetUrl(),
                    "POST /api/v1/datasets?name=slow.jsonl", "application/x-ndjson", token), clients));
            trickles.add(CompletableFuture.supplyAsync(() -> trickle(stack.deployUrl(),
                    "POST /api/v1/estimates", "application/json", token), clients));
        }

        List<Duration> normal = new ArrayList<>();
        Instant until = Instant.now().plusSeconds(8);
        while (Instant.now().isBefore(until)) {
            Instant start = Instant.now();
            assertThat(ItHttp.send("GET", stack.datasetUrl() + "/api/v1/datasets", token, null).status())
                    .isEqualTo(200);
            ItHttp.Raw upload = ItHttp.exchange("POST", stack.datasetUrl() + "/api/v1/datasets?name=ok.jsonl",
                    OwnerFixture.example(), "Authorization", "Bearer " + token, "Content-Type", "application/x-ndjson");
            assertThat(upload.status()).as(upload.toString()).isEqualTo(201);
            ItHttp.exchange("DELETE", stack.datasetUrl() + "/api/v1/datasets/"
                    + ItHttp.JSON.readTree(upload.body()).path("id").asText(), null, "Authorization", "Bearer " + token);
            assertThat(ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments", token, null).status())
                    .isEqualTo(200);
            normal.add(Duration.between(start, Instant.now()));
            ServiceProcess.sleep(500);
        }
        List<Trickle> cut = trickles.stream().map(CompletableFuture::join).toList();
        clients.shutdown();

        assertThat(normal).as("normal requests while the tricklers hang").allSatisfy(d ->
                assertThat(d).isLessThan(Duration.ofSeconds(5)));
        assertThat(cut).as("every trickling client").allSatisfy(t -> {
            assertThat(t.lasted()).as(t.toString()).isLessThan(Duration.ofSeconds(35));
            assertThat(t.bytesSent()).as(t.toString()).isLessThan(100);
            assertThat(t.answer()).as(t.toString()).satisfiesAnyOf(
                    a -> assertThat(a).startsWith("HTTP/1.1 408").contains("application/problem+json"),
                    a -> assertThat(a).isEmpty());
        });
        assertThat(cut).filteredOn(t -> t.answer().startsWith("HTTP/1.1 408")).isNotEmpty();
        assertThat(ItHttp.send("GET", stack.datasetUrl() + "/api/v1/datasets", token, null).body()).isEmpty();
    }

    /** What one trickling client saw: how long it was let to send, how much it sent, and the answer it got. */
    record Trickle(Duration lasted, int bytesSent, String answer) {
    }

    /** Declares a 10 000-byte body and sends it a byte a second until the server answers or closes. */
    private static Trickle trickle(String baseUrl, String requestLine, String type, String token) {
        URI uri = URI.create(baseUrl);
        Instant start = Instant.now();
        int sent = 0;
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write((requestLine + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: " + type + "\r\nContent-Length: 10000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] buffer = new byte[4096];
            while (Duration.between(start, Instant.now()).compareTo(Duration.ofSeconds(60)) < 0) {
                try {
                    out.write('{');
                    out.flush();
                    sent++;
                } catch (IOException closed) {
                    return new Trickle(Duration.between(start, Instant.now()), sent, "");
                }
                try {
                    int n = in.read(buffer);
                    return new Trickle(Duration.between(start, Instant.now()), sent,
                            n < 0 ? "" : new String(buffer, 0, n, StandardCharsets.UTF_8));
                } catch (SocketTimeoutException stillOpen) {
                    // the server is still waiting for the body: send the next byte
                }
            }
            return new Trickle(Duration.between(start, Instant.now()), sent, "never cut off");
        } catch (IOException e) {
            return new Trickle(Duration.between(start, Instant.now()), sent, "");
        }
    }
}
