package dev.trainpod.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The ingestion benchmark (not part of {@code ./mvnw verify}; run with {@code -Pbenchmark}, see
 * benchmarks/metrics-ingest/README.md): simulated pods post metric batches over loopback HTTP for a fixed time,
 * then the same number of rows is loaded into the same PostgreSQL with {@code COPY}, the ceiling.
 * {@code -Dbenchmark.pods}, {@code -Dbenchmark.seconds} and {@code -Dbenchmark.batch} change the load.
 */
@QuarkusTest
@Tag("benchmark")
@TestProfile(IngestBenchmarkTest.NoRateLimit.class)
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class IngestBenchmarkTest {

    /** The per-job rate limit would measure itself, not ingestion: the benchmark lifts it. */
    public static class NoRateLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("trainpod.metrics.pod-writes-per-second", "1000000",
                    "trainpod.metrics.pod-write-burst", "1000000");
        }
    }

    private static final int PODS = Integer.getInteger("benchmark.pods", 50);
    private static final int SECONDS = Integer.getInteger("benchmark.seconds", 30);
    private static final int BATCH = Integer.getInteger("benchmark.batch", 50);
    private static final String COPY = "COPY metric_points (deployment_id, step, epoch, loss, learning_rate,"
            + " grad_norm, tokens_per_second, time) FROM STDIN (FORMAT csv)";

    @TestHTTPResource("/api/v1/jobs/")
    URI jobs;

    /** What one simulated pod did. */
    private record PodResult(long sent, long accepted, long failedRequests, long[] latenciesNanos) {
    }

    @Test
    void fiftyPodsPostingBatchesLoseNothingAndAreComparedWithCopy() throws Exception {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < PODS; i++) {
            ids.add(Fixtures.requestJob("bench", null));
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(4)).build();
        UUID warmUp = Fixtures.requestJob("bench", null);
        postBatches(http, warmUp, Instant.now().plusSeconds(3), 0);

        Instant start = Instant.now();
        Instant deadline = start.plusSeconds(SECONDS);
        ExecutorService pods = Executors.newFixedThreadPool(PODS);
        List<Future<PodResult>> futures = new ArrayList<>();
        for (UUID id : ids) {
            futures.add(pods.submit(() -> postBatches(http, id, deadline, 0)));
        }
        List<PodResult> results = new ArrayList<>();
        for (Future<PodResult> f : futures) {
            results.add(f.get());
        }
        double elapsed = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        pods.shutdown();

        long sent = results.stream().mapToLong(PodResult::sent).sum();
        long accepted = results.stream().mapToLong(PodResult::accepted).sum();
        long failed = results.stream().mapToLong(PodResult::failedRequests).sum();
        long[] latencies = results.stream().flatMapToLong(r -> Arrays.stream(r.latenciesNanos())).sorted().toArray();
        long stored = storedPoints(ids);
        double ingestRate = accepted / elapsed;

        double copySeconds = copyRows(sent);
        double copyRate = sent / copySeconds;

        String report = String.join("\n",
                "metrics-service ingestion benchmark, " + Instant.now(),
                "machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Java "
                        + System.getProperty("java.version") + ", PostgreSQL " + serverVersion(),
                String.format("load: %d pods, %d points per batch, %d s (%.1f s measured)", PODS, BATCH, SECONDS,
                        elapsed),
                String.format("requests: %d (%d failed)", latencies.length, failed),
                String.format("points sent: %d, accepted: %d, stored: %d", sent, accepted, stored),
                String.format("ingest: %.0f points/s, %.0f requests/s", ingestRate, latencies.length / elapsed),
                String.format("latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms", percentile(latencies, 50),
                        percentile(latencies, 99), latencies.length == 0 ? 0 : latencies[latencies.length - 1] / 1e6),
                String.format("COPY of the same %d rows: %.2f s, %.0f rows/s", sent, copySeconds, copyRate),
                String.format("ingest / COPY: %.2f", ingestRate / copyRate));
        System.out.println("\n" + report + "\n");
        Path out = Path.of("target", "benchmark", "metrics-ingest.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report + "\n");

        assertThat(failed).isZero();
        assertThat(accepted).isEqualTo(sent);
        assertThat(stored).isEqualTo(sent);
    }

    /** Posts batches of consecutive steps, starting at {@code firstStep}, until the deadline. */
    private PodResult postBatches(HttpClient http, UUID id, Instant deadline, int firstStep)
            throws IOException, InterruptedException {
        URI uri = jobs.resolve(id + "/metrics");
        String token = Fixtures.jobToken(id);
        long sent = 0;
        long accepted = 0;
        long failed = 0;
        long[] latencies = new long[1024];
        int requests = 0;
        int step = firstStep;
        while (Instant.now().isBefore(deadline)) {
            String body = batch(step);
            HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            long t0 = System.nanoTime();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            long t1 = System.nanoTime();
            if (requests == latencies.length) {
                latencies = Arrays.copyOf(latencies, requests * 2);
            }
            latencies[requests++] = t1 - t0;
            sent += BATCH;
            if (response.statusCode() == 202) {
                accepted += Integer.parseInt(response.body().replaceAll(".*\"accepted\":(\\d+).*", "$1"));
            } else {
                failed++;
            }
            step += BATCH;
        }
        return new PodResult(sent, accepted, failed, Arrays.copyOf(latencies, requests));
    }

    private static String batch(int firstStep) {
        StringBuilder body = new StringBuilder(BATCH * 160).append("{\"points\":[");
        Instant now = Instant.now();
        for (int i = 0; i < BATCH; i++) {
            int step = firstStep + i;
            body.append(i == 0 ? "" : ",").append("{\"step\":").append(step)
                    .append(",\"epoch\":").append(step / 1000.0)
                    .append(",\"loss\":").append(2.0 + Math.sin(step / 50.0))
                    .append(",\"learningRate\":0.0002,\"gradNorm\":1.25,\"tokensPerSecond\":1843.5")
                    .append(",\"time\":\"").append(now).append("\"}");
        }
        return body.append("]}").toString();
    }

    /** Loads {@code rows} points for fresh jobs straight into metric_points with COPY; the item is its seconds. */
    private static double copyRows(long rows) throws Exception {
        SharedPostgres.Server pg = SharedPostgres.server();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(Fixtures.DATABASE), pg.user(), pg.password())) {
            List<UUID> copyJobs = new ArrayList<>();
            for (int i = 0; i < PODS; i++) {
                UUID id = UUID.randomUUID();
                try (PreparedStatement st = c.prepareStatement("INSERT INTO jobs (deployment_id, user_id, status,"
                        + " created_at) VALUES (?, 'bench-copy', 'ACTIVE', now())")) {
                    st.setObject(1, id);
                    st.executeUpdate();
                }
                copyJobs.add(id);
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            long perJob = (rows + PODS - 1) / PODS;
            String now = Instant.now().toString();
            long loaded = 0;
            long t0 = System.nanoTime();
            for (UUID id : copyJobs) {
                long n = Math.min(perJob, rows - loaded);
                loaded += copy.copyIn(COPY, csv(id, n, now));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(loaded).isEqualTo(rows);
            return seconds;
        }
    }

    private static Reader csv(UUID id, long rows, String time) {
        StringBuilder csv = new StringBuilder((int) Math.min(Integer.MAX_VALUE / 2, rows * 110));
        for (long step = 0; step < rows; step++) {
            csv.append(id).append(',').append(step).append(',').append(step / 1000.0).append(',')
                    .append(2.0 + Math.sin(step / 50.0)).append(",0.0002,1.25,1843.5,").append(time).append('\n');
        }
        return new StringReader(csv.toString());
    }

    private static long storedPoints(List<UUID> ids) {
        return Fixtures.count("SELECT count(*) FROM metric_points WHERE deployment_id IN ("
                + ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(",")) + ")");
    }

    private static String serverVersion() {
        return Fixtures.text("SHOW server_version");
    }

    private static double percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }
}
