package dev.trainpod.devstack.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator of the benchmarks, run in a JVM of its own so that its CPU is its own and it shares no heap or
 * GC with the services or the stack. It reads its targets from a file and then windows from standard input, one
 * per line, answering each with a {@code done} line when every request of the window has been answered:
 * <ul>
 *   <li>{@code rate <label> <requests per second> <millis>}: open loop. Request {@code i} is due at
 *   {@code start + i / rate} whatever the earlier ones did; its latency is measured from that intended start, not
 *   from when it was sent, so a stall of the sender or the server counts against every request it delayed
 *   (coordinated omission corrected). Latencies (ns, one a line) are appended to {@code <out>/<label>.lat}.</li>
 *   <li>{@code sat <label> <concurrency> <millis>}: closed loop at the given concurrency, for throughput.</li>
 *   <li>{@code quit}.</li>
 * </ul>
 * Answer: {@code done <label> <requests> <ok> <failed> <units>}, units being the rows a metrics batch carries
 * (or 1 per request). A targets file line: {@code label TAB method TAB url TAB authorization|- TAB body}, body
 * being {@code -}, {@code @<file>} or {@code metrics:<points per batch>} (a batch of consecutive steps, new steps
 * on every request of that line). Several lines of one label are used in turn.
 */
public final class OpenLoop {

    /** One request shape. */
    private record Target(String method, URI uri, String authorization, String body, int points, AtomicLong seq) {
    }

    private final Map<String, List<Target>> targets;
    private final Path out;
    private final HttpClient http;

    private OpenLoop(Map<String, List<Target>> targets, Path out, ExecutorService executor) {
        this.targets = targets;
        this.out = out;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        ExecutorService executor = Executors.newFixedThreadPool(8);
        OpenLoop loop = new OpenLoop(readTargets(Path.of(args[0])), out, executor);
        PrintWriter stdout = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
            String[] c = line.trim().split("\\s+");
            long[] r = "sat".equals(c[0])
                    ? loop.saturate(c[1], Integer.parseInt(c[2]), Long.parseLong(c[3]))
                    : loop.openLoop(c[1], Double.parseDouble(c[2]), Long.parseLong(c[3]));
            stdout.printf("done %s %d %d %d %d%n", c[1], r[0], r[1], r[2], r[3]);
        }
        executor.shutdownNow();
        System.exit(0);
    }

    private static Map<String, List<Target>> readTargets(Path file) throws IOException {
        Map<String, List<Target>> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", 5);
            String body = f[4];
            int points = 0;
            if (body.startsWith("@")) {
                body = Files.readString(Path.of(body.substring(1)));
            } else if (body.startsWith("metrics:")) {
                points = Integer.parseInt(body.substring("metrics:".length()));
                body = null;
            } else if ("-".equals(body)) {
                body = null;
            }
            out.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new Target(f[1], URI.create(f[2]),
                    "-".equals(f[3]) ? null : f[3], body, points, new AtomicLong()));
        }
        return out;
    }

    private long[] openLoop(String label, double rate, long millis) throws IOException {
        List<Target> shapes = shapes(label);
        long periodNanos = (long) (1e9 / rate);
        long count = (long) (rate * millis / 1000.0);
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong units = new AtomicLong();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        long start = System.nanoTime();
        for (long i = 0; i < count; i++) {
            long intended = start + i * periodNanos;
            long wait = intended - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            Target t = shapes.get((int) (i % shapes.size()));
            pending.add(http.sendAsync(request(t), HttpResponse.BodyHandlers.discarding()).handle((r, e) -> {
                latencies.add(System.nanoTime() - intended);
                count(r, e, t, ok, failed, units);
                return null;
            }));
        }
        awaitAll(pending);
        StringBuilder text = new StringBuilder(latencies.size() * 10);
        latencies.forEach(l -> text.append(l).append('\n'));
        Files.writeString(out.resolve(label + ".lat"), text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return new long[] {count, ok.get(), failed.get(), units.get()};
    }

    private long[] saturate(String label, int concurrency, long millis) {
        List<Target> shapes = shapes(label);
        long deadline = System.nanoTime() + millis * 1_000_000;
        AtomicLong sent = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong units = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            workers.add(startThread(() -> {
                while (System.nanoTime() < deadline) {
                    Target t = shapes.get((int) (sent.getAndIncrement() % shapes.size()));
                    HttpResponse<Void> r = null;
                    Throwable e = null;
                    try {
                        r = http.send(request(t), HttpResponse.BodyHandlers.discarding());
                    } catch (IOException | InterruptedException ex) {
                        e = ex;
                    }
                    count(r, e, t, ok, failed, units);
                }
            }));
        }
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new long[] {sent.get(), ok.get(), failed.get(), units.get()};
    }

    private static void count(HttpResponse<Void> r, Throwable e, Target t, AtomicLong ok, AtomicLong failed,
                              AtomicLong units) {
        if (e == null && r.statusCode() / 100 == 2) {
            ok.incrementAndGet();
            units.addAndGet(t.points() > 0 ? t.points() : 1);
        } else {
            failed.incrementAndGet();
            System.err.println("failed: " + (e != null ? e : r.statusCode() + " " + r.uri()));
        }
    }

    private List<Target> shapes(String label) {
        List<Target> shapes = targets.get(label);
        if (shapes == null) {
            throw new IllegalArgumentException("no target " + label);
        }
        return shapes;
    }

    private static HttpRequest request(Target t) {
        String body = t.body();
        if (t.points() > 0) {
            body = metricBatch(t.seq().getAndIncrement() * t.points(), t.points());
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(t.uri()).timeout(Duration.ofSeconds(60))
                .method(t.method(), body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (t.authorization() != null) {
            b.header("Authorization", t.authorization());
        }
        return b.build();
    }

    /** A batch of {@code n} metric points from {@code firstStep}, as the pod agent sends them. */
    public static String metricBatch(long firstStep, int n) {
        StringBuilder body = new StringBuilder(n * 160).append("{\"points\":[");
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            long step = firstStep + i;
            body.append(i == 0 ? "" : ",").append("{\"step\":").append(step)
                    .append(",\"epoch\":").append(step / 1000.0)
                    .append(",\"loss\":").append(2.0 + Math.sin(step / 50.0))
                    .append(",\"learningRate\":0.0002,\"gradNorm\":1.25,\"tokensPerSecond\":1843.5")
                    .append(",\"time\":\"").append(now).append("\"}");
        }
        return body.append("]}").toString();
    }

    private static void awaitAll(List<CompletableFuture<?>> pending) {
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("requests of the window did not finish: " + e, e);
        }
    }

    private static Thread startThread(Runnable body) {
        Thread t = new Thread(body, "closed-loop");
        t.start();
        return t;
    }
}
