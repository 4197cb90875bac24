package dev.trainpod.devstack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian's {@code prometheus} package) beside the local stack: it scrapes the three services'
 * {@code /q/metrics} with the job names the Kubernetes ServiceMonitors give them and evaluates the alerts of
 * {@code k8s/components/monitoring/prometheus-rule.yaml}, so a developer (and MonitoringIT) sees the same metrics
 * and alerts as the cluster. Used by {@code ./run-local --with-prometheus}.
 */
public final class LocalPrometheus implements AutoCloseable {

    /** The PrometheusRule whose spec is the rules file Prometheus loads. */
    public static final String RULE = "k8s/components/monitoring/prometheus-rule.yaml";

    private final Process process;
    private final String url;

    private LocalPrometheus(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    /** The {@code prometheus} binary on the PATH (or Debian's /usr/bin/prometheus), if installed. */
    public static Optional<Path> binary() {
        return onPath("prometheus");
    }

    /** The {@code promtool} binary that comes with it, if installed. */
    public static Optional<Path> promtool() {
        return onPath("promtool");
    }

    private static Optional<Path> onPath(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.add("/usr/bin");
        return dirs.stream().filter(d -> !d.isBlank()).map(d -> Path.of(d, name)).filter(Files::isExecutable)
                .findFirst();
    }

    /**
     * The PrometheusRule's {@code spec} as a plain rules file: the lines under {@code spec:}, two spaces less
     * indented. With {@code immediate}, every {@code for:} becomes {@code 0s}, for a test that cannot wait minutes.
     */
    public static String rules(Path root, boolean immediate) {
        List<String> out = new ArrayList<>();
        boolean inSpec = false;
        try {
            for (String line : Files.readAllLines(root.resolve(RULE))) {
                if (!inSpec) {
                    inSpec = line.equals("spec:");
                    continue;
                }
                if (!line.isBlank() && !line.startsWith("  ")) {
                    break;
                }
                String l = line.length() >= 2 ? line.substring(2) : line;
                out.add(immediate ? l.replaceFirst("^(\\s+)for: \\S+$", "$1for: 0s") : l);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException(RULE + " has no spec");
        }
        return String.join("\n", out) + "\n";
    }

    /**
     * Starts Prometheus on {@code port} with its data and config under {@code dir}, scraping {@code targets} (job
     * name → host:port) every {@code interval} and evaluating the rules as often; waits until it is ready.
     */
    public static LocalPrometheus start(Path binary, Path root, Path dir, int port, Map<String, String> targets,
                                        Duration interval, boolean immediateAlerts) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("trainpod-rules.yaml"), rules(root, immediateAlerts));
            StringBuilder config = new StringBuilder()
                    .append("global:\n")
                    .append("  scrape_interval: ").append(interval.toMillis()).append("ms\n")
                    .append("  scrape_timeout: ").append(interval.toMillis()).append("ms\n")
                    .append("  evaluation_interval: ").append(interval.toMillis()).append("ms\n")
                    .append("rule_files:\n  - trainpod-rules.yaml\n")
                    .append("scrape_configs:\n");
            targets.forEach((job, target) -> config.append("  - job_name: ").append(job).append('\n')
                    .append("    metrics_path: /q/metrics\n")
                    .append("    static_configs:\n      - targets: ['").append(target).append("']\n"));
            Files.writeString(dir.resolve("prometheus.yml"), config.toString());
            Process p = new ProcessBuilder(binary.toString(),
                    "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--web.enable-lifecycle")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            LocalPrometheus prometheus = new LocalPrometheus(p, "http://127.0.0.1:" + port);
            prometheus.awaitReady(dir.resolve("prometheus.log"));
            return prometheus;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL, e.g. http://127.0.0.1:9090. */
    public String url() {
        return url;
    }

    private void awaitReady(Path log) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url + "/-/ready"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("prometheus not ready in 30 s; see " + log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
