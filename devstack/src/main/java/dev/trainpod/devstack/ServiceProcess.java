package dev.trainpod.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One Trainpod service running as a child JVM from its Quarkus build, with its output in a log file. */
public final class ServiceProcess implements AutoCloseable {

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;

    private ServiceProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code <root>/<module>/target/quarkus-app/quarkus-run.jar} with the given settings (system
     * properties) and secrets (environment variables, so they show in no process listing).
     */
    public static ServiceProcess start(Path root, String module, int port, Map<String, String> settings,
                                       Map<String, String> secrets, Path logDir) {
        return start(root, module, port, settings, secrets, logDir, module);
    }

    /** As {@link #start(Path, String, int, Map, Map, Path)}, logging to {@code <logName>.log}. */
    public static ServiceProcess start(Path root, String module, int port, Map<String, String> settings,
                                       Map<String, String> secrets, Path logDir, String logName) {
        Path jar = root.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build first with ./mvnw -B -DskipTests package");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags(module));
        settings.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-jar");
        cmd.add(jar.toString());
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve(logName + ".log");
            ProcessBuilder builder = new ProcessBuilder(cmd);
            builder.environment().putAll(secrets);
            Process p = builder
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ServiceProcess(module, port, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + module, e);
        }
    }

    /** The JVM mode: {@code -Dtrainpod.service.jvm=production} for benchmarks, else the quick-start test JVM. */
    public static final String JVM_MODE = "trainpod.service.jvm";

    /**
     * Extra JVM flags for every service, separated by spaces, {@code {module}} replaced by the service's name: e.g.
     * {@code -Dtrainpod.service.jvm.extra=-XX:StartFlightRecording=filename=/tmp/{module}.jfr} to profile a benchmark.
     */
    public static final String JVM_EXTRA = "trainpod.service.jvm.extra";

    /**
     * The JVM flags of a service. Tests use a JVM that starts fast (C1 only, Serial GC, 384 MiB). Benchmarks use
     * what production runs: the Dockerfiles' {@code JAVA_OPTS} inside the k8s limits, the JVM sizing itself for
     * the container's memory ({@code -XX:MaxRAM} of the 768 MiB limit every service has, so a heap of 384 MiB at
     * start and 576 at most, as it would inside the container rather than from this machine's memory), the full
     * tiered compiler (C2) and the collector the JVM picks inside a container limited to 1 CPU
     * (deploy/metrics-service) or 2 (dataset-service) with under 1792 MiB: Serial.
     */
    public static List<String> jvmFlags(String module) {
        List<String> flags = new ArrayList<>();
        if ("production".equals(System.getProperty(JVM_MODE))) {
            int cpus = "dataset-service".equals(module) ? 2 : 1;
            flags.addAll(List.of("-XX:MaxRAM=768m", "-XX:InitialRAMPercentage=50", "-XX:MaxRAMPercentage=75",
                    "-XX:MetaspaceSize=128m", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC",
                    "-XX:ActiveProcessorCount=" + cpus));
        } else {
            flags.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        }
        String extra = System.getProperty(JVM_EXTRA, "").replace("{module}", module).trim();
        if (!extra.isEmpty()) {
            flags.addAll(List.of(extra.split("\\s+")));
        }
        return flags;
    }

    public String name() {
        return name;
    }

    public String url() {
        return "http://localhost:" + port;
    }

    public Path log() {
        return log;
    }

    /** The operating system's id of the service's JVM, for tools that read its memory. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until the service answers its readiness check. */
    public void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(300);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout + "; see " + log);
    }

    /** Kills the service at once (SIGKILL), as a crash would. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the service: SIGTERM, then a kill if it has not stopped within ten seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
