package dev.trainpod.devstack.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs {@link OpenLoop} in a JVM of its own (C2, Serial GC, 256 MiB) and drives it window by window, so that the
 * benchmark can read CPU times between windows. Each window answers the requests sent, answered 2xx, failed, and
 * the units (rows) carried.
 */
public final class LoadProcess implements AutoCloseable {

    /** What one window of load did. */
    public record Counts(long requests, long ok, long failed, long units) {
    }

    private final Process process;
    private final PrintWriter commands;
    private final BufferedReader answers;
    private final Path dir;

    private LoadProcess(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
        this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the load JVM with the targets ({@link OpenLoop}'s file format), working in {@code dir}. */
    public static LoadProcess start(Path dir, List<String> targets) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("targets.tsv");
            Files.write(file, targets);
            try (var old = Files.list(dir)) {
                for (Path p : old.filter(p -> p.toString().endsWith(".lat")).toList()) {
                    Files.delete(p);
                }
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"), OpenLoop.class.getName(), file.toString(), dir.toString())
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("load.log").toFile()))
                    .start();
            return new LoadProcess(p, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the load process", e);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** An open-loop window at {@code perSecond} requests a second for {@code millis}. */
    public Counts rate(String label, double perSecond, long millis) {
        return command("rate " + label + " " + perSecond + " " + millis);
    }

    /** A closed-loop window at {@code concurrency} requests in flight for {@code millis}. */
    public Counts saturate(String label, int concurrency, long millis) {
        return command("sat " + label + " " + concurrency + " " + millis);
    }

    /** Every latency (ns, intended start to answer) of the label's open-loop windows so far. */
    public long[] latencies(String label) {
        Path f = dir.resolve(label + ".lat");
        try {
            return Files.exists(f) ? Files.readAllLines(f).stream().mapToLong(Long::parseLong).toArray() : new long[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Drops the label's latencies so far (a warm-up's). */
    public void forget(String label) {
        try {
            Files.deleteIfExists(dir.resolve(label + ".lat"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Counts command(String line) {
        commands.println(line);
        try {
            String answer = answers.readLine();
            if (answer == null || !answer.startsWith("done ")) {
                throw new IllegalStateException("the load process answered " + answer + "; see " + dir.resolve("load.log"));
            }
            String[] f = answer.split(" ");
            return new Counts(Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        commands.println("quit");
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
