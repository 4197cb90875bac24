package dev.trainpod.dataset.bench;

import dev.trainpod.common.testing.JwtKeys;
import dev.trainpod.common.testing.SharedKafka;
import dev.trainpod.common.testing.SharedPostgres;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dataset transfer benchmark (benchmarks/dataset-transfer): starts embedded PostgreSQL and Kafka, runs the
 * built dataset-service jar at -Xmx256m, and measures, with curl as the one client, (1) download throughput of
 * a 1 GiB dataset through a token against nginx serving the same file, (2) upload-with-validation throughput
 * against sha256sum, and (3) the service's peak heap while it takes a 100 MiB and a 2 GiB upload. Prints a
 * Markdown report. Not a test: run it with {@code benchmarks/dataset-transfer/run.sh}.
 */
public final class TransferBenchmark {

    private static final long MIB = 1024L * 1024;
    private static final Pattern HEAP = Pattern.compile(
            "^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\}\\s+(\\S+)", Pattern.MULTILINE);
    private static final String LINE = "{\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of"
            + " France? Answer in one word, then explain briefly.\"},{\"role\":\"assistant\",\"content\":\"Paris."
            + " It has been the capital since the tenth century and is the country's largest city.\"}]}\n";

    private final Path work;
    private final Path root;
    private final HttpClient http = HttpClient.newHttpClient();
    private final StringBuilder report = new StringBuilder();
    private String base;

    private TransferBenchmark(Path root, Path work) {
        this.root = root;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Path work = root.resolve("benchmarks/dataset-transfer/work");
        Files.createDirectories(work);
        try {
            new TransferBenchmark(root, work).run();
        } catch (Exception e) {
            e.printStackTrace();
            // the embedded Kafka broker's threads would keep the JVM alive
            System.exit(1);
        }
        System.exit(0);
    }

    private void run() throws Exception {
        Path oneGiB = jsonl(work.resolve("data-1g.jsonl"), 1024 * MIB);
        Path small = jsonl(work.resolve("data-100m.jsonl"), 100 * MIB);
        Path twoGiB = jsonl(work.resolve("data-2g.jsonl"), 2048 * MIB);
        JwtKeys keys = JwtKeys.create(work.resolve("keys"));
        SharedPostgres.Server pg = SharedPostgres.server();
        String db = SharedPostgres.database("trainpod_dataset_bench");
        int port = freePort();
        base = "http://127.0.0.1:" + port;
        Path storage = work.resolve("storage");
        deleteTree(storage);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.datasource.jdbc.url=" + pg.jdbcUrl(db),
                "-Dquarkus.datasource.reactive.url=" + pg.reactiveUrl(db),
                "-Dquarkus.datasource.username=" + pg.user(),
                "-Dquarkus.datasource.password=" + pg.password(),
                "-Dkafka.bootstrap.servers=" + SharedKafka.bootstrapServers(),
                "-Dmp.jwt.verify.publickey.location=" + keys.jwks().toUri(),
                "-Dquarkus.log.console.json.enabled=false",
                "-Dtrainpod.dataset.public-url=" + base,
                "-Dtrainpod.dataset.storage-dir=" + storage,
                "-Dtrainpod.dataset.max-bytes=3G",
                "-jar", root.resolve("dataset-service/target/quarkus-app/quarkus-run.jar").toString()));
        Process service = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve("dataset-service.log").toFile()).start();
        try {
            awaitReady();
            String user = keys.userToken("bench-user", Duration.ofHours(6));
            line("# dataset-service transfer benchmark, " + LocalDate.now());
            line("");
            line("Machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, " + cpuModel()
                    + "; service at -Xmx256m, Java " + System.getProperty("java.version") + "; client: curl on loopback.");
            line("");
            String datasetId = uploadReport(user, oneGiB);
            downloadReport(keys, datasetId, oneGiB);
            heapReport(user, small, twoGiB);
        } finally {
            service.destroy();
            service.waitFor();
        }
        Files.writeString(work.resolve("report.md"), report);
    }

    /** Upload with validation vs sha256sum, on the same (page-cached) file. */
    private String uploadReport(String user, Path file) throws Exception {
        exec(List.of("cat", file.toString()), null);
        double sha = bestOf(3, () -> timed(List.of("sha256sum", file.toString())));
        double upload = Double.MAX_VALUE;
        String id = null;
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            String out = exec(List.of("curl", "-sS", "--fail-with-body", "-H", "Authorization: Bearer " + user,
                    "-H", "Content-Type: application/x-ndjson", "-H", "Expect:", "-X", "POST", "-T", file.toString(),
                    base + "/api/v1/datasets?name=bench.jsonl"), null);
            upload = Math.min(upload, (System.nanoTime() - start) / 1e9);
            if (!out.contains("\"format\":\"SFT_MESSAGES\"")) {
                throw new IllegalStateException("upload answered " + out);
            }
            Matcher m = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(out);
            m.find();
            id = m.group(1);
        }
        double mib = Files.size(file) / (double) MIB;
        line("## Upload with validation (1 GiB JSONL, raw body streamed by `curl -T`), best of 3");
        line("");
        line("| | seconds | MiB/s |");
        line("|---|---|---|");
        line(String.format(Locale.ROOT, "| `sha256sum` | %.2f | %.0f |", sha, mib / sha));
        line(String.format(Locale.ROOT, "| `POST /api/v1/datasets` (stream to disk + SHA-256 + validate every line) | %.2f | %.0f |",
                upload, mib / upload));
        line("");
        line(String.format(Locale.ROOT, "Ratio upload / sha256sum throughput: **%.2f**", sha / upload));
        line("");
        return id;
    }

    /** The same 1 GiB file from the service (with a token) and from nginx, curl to /dev/null, best of 3. */
    private void downloadReport(JwtKeys keys, String datasetId, Path file) throws Exception {
        HttpResponse<String> minted = http.send(HttpRequest.newBuilder(URI.create(base + "/internal/v1/download-tokens"))
                .header("Authorization", "Bearer " + keys.serviceToken()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"bench-user\",\"datasetId\":\"" + datasetId
                        + "\",\"deploymentId\":\"" + UUID.randomUUID() + "\",\"maxUses\":100}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"url\":\"([^\"]+)\"").matcher(minted.body());
        if (minted.statusCode() != 201 || !m.find()) {
            throw new IllegalStateException("mint answered " + minted.statusCode() + " " + minted.body());
        }
        String serviceUrl = m.group(1);
        int nginxPort = freePort();
        Process nginx = startNginx(nginxPort, file.getParent());
        try {
            String nginxUrl = "http://127.0.0.1:" + nginxPort + "/" + file.getFileName();
            curl(nginxUrl);
            curl(serviceUrl);
            double[] fromNginx = {0, Double.MAX_VALUE, 0};
            double[] fromService = {0, Double.MAX_VALUE, 0};
            for (int i = 0; i < 3; i++) {
                best(fromNginx, curl(nginxUrl));
                best(fromService, curl(serviceUrl));
            }
            line("## Download of the same 1 GiB file, best of 3 (runs interleaved, after one warm-up each)");
            line("");
            line("| server | MiB/s (curl speed_download) | best time to first byte, ms | MiB/s after the first byte |");
            line("|---|---|---|---|");
            line(String.format(Locale.ROOT, "| nginx (sendfile on, 1 worker) | %.0f | %.1f | %.0f |",
                    fromNginx[0] / MIB, fromNginx[1] * 1000, fromNginx[2] / MIB));
            line(String.format(Locale.ROOT, "| dataset-service `GET /api/v1/downloads/{token}` | %.0f | %.1f | %.0f |",
                    fromService[0] / MIB, fromService[1] * 1000, fromService[2] / MIB));
            line("");
            line(String.format(Locale.ROOT, "Ratio service / nginx: **%.2f** (after the first byte: %.2f)",
                    fromService[0] / fromNginx[0], fromService[2] / fromNginx[2]));
            line("");
        } finally {
            nginx.destroy();
            nginx.waitFor();
        }
    }

    /** Peak heap while the service takes a 100 MiB and a 2 GiB upload. */
    private void heapReport(String user, Path small, Path large) throws Exception {
        line("## Heap while uploading (service at -Xmx256m), peak of `jvm_memory_used_bytes{area=\"heap\"}` sampled every 100 ms");
        line("");
        line("| upload | seconds | peak heap MiB | answer |");
        line("|---|---|---|---|");
        for (Path file : List.of(small, large)) {
            System.gc();
            AtomicLong peak = new AtomicLong();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    peak.accumulateAndGet(heapUsed(), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            long start = System.nanoTime();
            String out = exec(List.of("curl", "-sS", "-o", "/dev/stdout", "-w", " HTTP %{http_code}",
                    "-H", "Authorization: Bearer " + user, "-H", "Content-Type: application/x-ndjson",
                    "-H", "Expect:", "-X", "POST", "-T", file.toString(), base + "/api/v1/datasets?name=" + file.getFileName()), null);
            double seconds = (System.nanoTime() - start) / 1e9;
            sampling.set(false);
            sampler.join();
            String status = out.substring(out.lastIndexOf("HTTP"));
            line(String.format(Locale.ROOT, "| %d MiB | %.1f | %.0f | %s |", Files.size(file) / MIB, seconds,
                    peak.get() / (double) MIB, status));
        }
        line("");
    }

    private long heapUsed() {
        try {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = HEAP.matcher(metrics);
            double sum = 0;
            while (m.find()) {
                sum += Double.parseDouble(m.group(1));
            }
            return (long) sum;
        } catch (IOException | InterruptedException e) {
            return 0;
        }
    }

    private Process startNginx(int port, Path rootDir) throws Exception {
        Path prefix = work.resolve("nginx");
        Files.createDirectories(prefix.resolve("logs"));
        Path conf = prefix.resolve("nginx.conf");
        Files.writeString(conf, "daemon off;\nmaster_process off;\nworker_processes 1;\nuser root;\n"
                + "pid " + prefix.resolve("nginx.pid") + ";\nerror_log " + prefix.resolve("logs/error.log") + ";\n"
                + "events { worker_connections 64; }\n"
                + "http {\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n"
                + "  client_body_temp_path " + prefix + "/body;\n  proxy_temp_path " + prefix + "/proxy;\n"
                + "  fastcgi_temp_path " + prefix + "/fastcgi;\n  uwsgi_temp_path " + prefix + "/uwsgi;\n"
                + "  scgi_temp_path " + prefix + "/scgi;\n"
                + "  server {\n    listen 127.0.0.1:" + port + ";\n    root " + rootDir + ";\n"
                + "    default_type application/x-ndjson;\n  }\n}\n");
        Process nginx = new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/stdout.log").toFile()).start();
        for (int i = 0; i < 100; i++) {
            try (var socket = new java.net.Socket("127.0.0.1", port)) {
                return nginx;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("nginx did not start; see " + prefix.resolve("logs"));
    }

    /** speed_download (bytes/s), time to first byte (s), and bytes/s after the first byte, of one GET. */
    private static double[] curl(String url) throws Exception {
        String[] w = exec(List.of("curl", "-sS", "--fail", "-o", "/dev/null", "-w",
                "%{speed_download} %{time_starttransfer} %{time_total} %{size_download}", url), null).strip().split(" ");
        double ttfb = Double.parseDouble(w[1]);
        double total = Double.parseDouble(w[2]);
        return new double[] {Double.parseDouble(w[0]), ttfb, Double.parseDouble(w[3]) / (total - ttfb)};
    }

    private static void best(double[] best, double[] run) {
        best[0] = Math.max(best[0], run[0]);
        best[1] = Math.min(best[1], run[1]);
        best[2] = Math.max(best[2], run[2]);
    }

    private void awaitReady() throws Exception {
        for (int i = 0; i < 600; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("dataset-service did not become ready; see " + work.resolve("dataset-service.log"));
    }

    /** A valid SFT_MESSAGES file of about {@code bytes} bytes, made once and kept for later runs. */
    private static Path jsonl(Path file, long bytes) throws IOException {
        byte[] line = LINE.getBytes(StandardCharsets.UTF_8);
        long lines = bytes / line.length;
        if (Files.isRegularFile(file) && Files.size(file) == lines * line.length) {
            return file;
        }
        byte[] block = new byte[line.length * 4096];
        for (int i = 0; i < 4096; i++) {
            System.arraycopy(line, 0, block, i * line.length, line.length);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            long written = 0;
            while (written + 4096 <= lines) {
                out.write(block);
                written += 4096;
            }
            for (; written < lines; written++) {
                out.write(line);
            }
        }
        return file;
    }

    private interface Timed {
        double run() throws Exception;
    }

    private static double bestOf(int runs, Timed timed) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            best = Math.min(best, timed.run());
        }
        return best;
    }

    private static double timed(List<String> cmd) throws Exception {
        long start = System.nanoTime();
        exec(cmd, null);
        return (System.nanoTime() - start) / 1e9;
    }

    private static String exec(List<String> cmd, Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (cmd.get(0).equals("cat")) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        Process p = pb.start();
        String out = pb.redirectOutput() == ProcessBuilder.Redirect.DISCARD ? ""
                : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd.subList(0, Math.min(3, cmd.size())))
                    + " failed: " + out);
        }
        return out;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private void line(String text) {
        report.append(text).append('\n');
        System.out.println(text);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
