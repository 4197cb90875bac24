package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.bench.Alternation;
import dev.trainpod.devstack.bench.Percentiles;
import dev.trainpod.devstack.bench.ProcCpu;
import dev.trainpod.devstack.bench.Results;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Dataset transfer benchmark (benchmarks/dataset-transfer/run.sh). Upload with validation ({@code curl -T} to
 * {@code POST /api/v1/datasets}: stored, hashed, every line validated) against {@code sha256sum} of the same file,
 * alternating, on a synthetic corpus (one short line repeated) and a realistic one (lines of 40 B to 16 KiB, non-ASCII
 * text in several scripts); and the token download against nginx serving the same file (sendfile, tcp_nopush,
 * open_file_cache, no access log), alternating, median of the runs, with the time to first byte. CPU per MiB of
 * every process involved. In {@code ./mvnw verify}: a smoke run on 1 MiB files. {@code -Dbench.transfer.parts=download}
 * runs the download part only (one upload, not measured, gives it its dataset), {@code upload} the uploads only; the
 * default, {@code all}, both. {@code -Dbench.transfer.warmups=N} (default 1): upload windows of each side run first
 * and not counted (reported as the warm-up).
 */
class TransferBenchIT {

    private static final long MIB = 1024L * 1024;
    private static final String SFT = "{\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of"
            + " France? Answer in one word, then explain briefly.\"},{\"role\":\"assistant\",\"content\":\"Paris."
            + " It has been the capital since the tenth century and is the country's largest city.\"}]}\n";
    private static final String[] WORDS = {"the", "model", "learns", "données", "l'été", "überprüfen", "Straße",
        "обучение", "модель", "学习", "数据集", "模型训练", "学習データ", "トークン", "학습", "데이터", "تعلم",
        "النموذج", "ज्ञान", "😀", "🚀", "naïve", "coöperate", "façade", "jalapeño", "x", "and", "of", "to"};

    @Test
    void uploadAgainstSha256sumAndDownloadAgainstNginx() throws Exception {
        LocalStack stack = BenchStack.get();
        boolean full = BenchStack.full();
        long bytes = (full ? Long.getLong("bench.mib", 256) : 1) * MIB;
        int rounds = full ? Integer.getInteger("bench.rounds", 5) : 1;
        String parts = System.getProperty("bench.transfer.parts", "all");
        if (!List.of("all", "upload", "download").contains(parts)) {
            throw new IllegalArgumentException("bench.transfer.parts is all, upload or download, not " + parts);
        }
        boolean uploads = !parts.equals("download");
        // -Dbench.transfer.parts=upload measures the uploads only (the download part takes as long again)
        boolean downloads = !parts.equals("upload");
        // windows of each side run before the measured ones and not counted: the services' JIT compiles the
        // upload path during the first uploads, and the side that ran first (always the upload with validation on
        // the synthetic corpus) paid for it alone
        int warmups = full ? Integer.getInteger("bench.transfer.warmups", 1) : 0;
        Path dir = BenchStack.root().resolve("devstack/target/bench/transfer");
        Files.createDirectories(dir);
        Path synthetic = synthetic(dir.resolve("synthetic.jsonl"), bytes);
        Path realistic = uploads ? realistic(dir.resolve("realistic.jsonl"), bytes) : null;
        Results results = new Results("dataset-transfer");
        ProcCpu cpu = BenchStack.cpu();
        String lastId = null;
        String owner = null;
        for (Path corpus : uploads ? List.of(synthetic, realistic) : List.<Path>of()) {
            Map<String, Alternation.Side> sides = new LinkedHashMap<>();
            String[] uploaded = new String[2];
            sides.put("upload", ms -> {
                System.arraycopy(upload(stack, corpus, true), 0, uploaded, 0, 2);
                return Files.size(corpus);
            });
            sides.put("upload, validation off", ms -> {
                upload(stack, corpus, false);
                return Files.size(corpus);
            });
            sides.put("sha256sum", ms -> {
                exec(List.of("sha256sum", corpus.toString()));
                return Files.size(corpus);
            });
            exec(List.of("sha256sum", corpus.toString())); // the page cache, both sides alike
            // Each window starts with nothing dirty in the page cache: written corpora and the stack's writes are
            // flushed between windows, not counted, so that no window pays for the writeback of an earlier one
            // (an upload's own bytes are on disk before it is answered: the service forces them).
            Alternation.Between flushed = () -> exec(List.of("sync"));
            if (warmups > 0) {
                Map<String, Alternation.Totals> w = Alternation.run(cpu, warmups, 0, sides, flushed);
                results.add(String.format("warm-up on the %s corpus, not counted (%d window(s) each, first runs of"
                        + " the path): upload %.0f MiB/s, CPU %.2f ms/MiB; without validation %.0f MiB/s, CPU %.2f"
                        + " ms/MiB; sha256sum %.0f MiB/s", corpus.getFileName(), warmups,
                        w.get("upload").rate() / MIB, w.get("upload").cpuMillisPerUnit() * MIB,
                        w.get("upload, validation off").rate() / MIB,
                        w.get("upload, validation off").cpuMillisPerUnit() * MIB, w.get("sha256sum").rate() / MIB));
            }
            Map<String, Alternation.Totals> t = Alternation.run(cpu, rounds, 0, sides, flushed);
            t.values().forEach(x -> results.sawLoad(x.maxLoad()));
            Alternation.Totals up = t.get("upload");
            Alternation.Totals sha = t.get("sha256sum");
            Alternation.Totals off = t.get("upload, validation off");
            results.add(String.format("upload with validation, %s corpus (%d MiB): %.0f MiB/s, CPU %.2f ms/MiB;"
                    + " sha256sum %.0f MiB/s, CPU %.2f ms/MiB (%d alternating runs each, max load %.2f)",
                    corpus.getFileName(), bytes / MIB, up.rate() / MIB, up.cpuMillisPerUnit() * MIB,
                    sha.rate() / MIB, sha.cpuMillisPerUnit() * MIB, up.windows(),
                    Math.max(up.maxLoad(), sha.maxLoad())));
            results.add(String.format("**upload / sha256sum = %.2f** on the %s corpus (goal ≥ 0.5)",
                    up.rate() / sha.rate(), corpus.getFileName()));
            results.add(String.format("upload without validation %.0f MiB/s, CPU %.2f ms/MiB; **upload / upload without"
                    + " validation = %.2f** on the %s corpus (goal ≥ 0.8)", off.rate() / MIB,
                    off.cpuMillisPerUnit() * MIB, up.rate() / off.rate(), corpus.getFileName()));
            if (corpus == synthetic) {
                lastId = uploaded[0];
                owner = uploaded[1];
            }
        }
        if (!uploads) {
            String[] uploaded = upload(stack, synthetic, true);
            lastId = uploaded[0];
            owner = uploaded[1];
            results.add("download only (-Dbench.transfer.parts=download): one upload of the synthetic file, not"
                    + " measured");
        }
        if (downloads) {
            download(stack, lastId, owner, synthetic, dir, cpu, results);
        }
        results.appendTo(BenchStack.resultsFile());
    }

    /**
     * Uploads the corpus as a new user, with validation or, for the reference, with the validator switched off
     * (bench stack only); answers the dataset's id and its owner.
     */
    private static String[] upload(LocalStack stack, Path corpus, boolean validate) throws Exception {
        String user = "bench-upload-" + UUID.randomUUID();
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--fail-with-body",
                "-H", "Authorization: Bearer " + stack.keys().userToken(user),
                "-H", "Content-Type: application/x-ndjson", "-H", "Expect:", "-X", "POST"));
        if (!validate) {
            command.addAll(List.of("-H", "X-Trainpod-Bench: validation-off"));
        }
        command.addAll(List.of("-T", corpus.toString(), stack.datasetUrl() + "/api/v1/datasets?name=bench.jsonl"));
        JsonNode answer = ItHttp.JSON.readTree(exec(command));
        assertThat(answer.path("format").asText()).as(answer.toString())
                .isEqualTo(validate ? "SFT_MESSAGES" : "INVALID");
        return new String[] {answer.path("id").asText(), user};
    }

    private static void download(LocalStack stack, String datasetId, String owner, Path file, Path dir,
                                 ProcCpu cpu, Results results) throws Exception {
        ItHttp.Answer minted = ItHttp.send("POST", stack.datasetUrl() + "/internal/v1/download-tokens",
                stack.keys().serviceToken(), "{\"userId\":\"" + owner + "\",\"datasetId\":\"" + datasetId
                        + "\",\"deploymentId\":\"" + UUID.randomUUID() + "\",\"maxUses\":100}");
        assertThat(minted.status()).as(String.valueOf(minted.body())).isEqualTo(201);
        String serviceUrl = minted.body().path("url").asText();
        int port = freePort();
        Process nginx = startNginx(dir.resolve("nginx"), port, file.getParent());
        try {
            String nginxUrl = "http://127.0.0.1:" + port + "/" + file.getFileName();
            // The uploads above leave up to gigabytes of dirty pages, and their writeback would hold up the WAL flush
            // that each download's committed use waits for: the download would pay for the uploads' writes (nginx
            // writes nothing either way). Flushed first; then both files are read once, so both come from page cache.
            exec(List.of("sync"));
            // A service in production has served downloads before (its JIT has compiled the path); nginx needs no
            // warming. Not counted: requests of one byte as in the first-byte windows below, then whole files.
            // -Dbench.transfer.warm=N: the service's one-byte warm-up requests (default 4,000, about 10 s: after 200,
            // the default until session 8, its JIT compiler still took as much CPU per request as the service did)
            int[] warm = BenchStack.full() ? new int[] {Integer.getInteger("bench.transfer.warm", 4000), 50, 3}
                    : new int[] {1, 1, 1};
            firstBytesOf(serviceUrl, warm[0]);
            firstBytesOf(nginxUrl, warm[1]);
            for (int i = 0; i < warm[2]; i++) {
                curl(nginxUrl);
                curl(serviceUrl);
            }
            results.add(String.format("download: after `sync` and a warm-up not counted (service %d one-byte"
                    + " requests, nginx %d, then %d whole files each)", warm[0], warm[1], warm[2]));
            // each run is one 128 MiB download (~0.1 s): a median of 5 moved by ±30 % between runs of the benchmark
            // on this machine, hence 15 by default (-Dbench.transfer.downloads=N; the token allows 100 uses)
            int runs = BenchStack.full() ? Integer.getInteger("bench.transfer.downloads", 15) : 5;
            List<double[]> fromNginx = new ArrayList<>();
            List<double[]> fromService = new ArrayList<>();
            Map<String, Alternation.Side> sides = new LinkedHashMap<>();
            sides.put("nginx", ms -> add(fromNginx, curl(nginxUrl)));
            sides.put("service", ms -> add(fromService, curl(serviceUrl)));
            Map<String, Alternation.Totals> t = Alternation.run(cpu, runs, 0, sides);
            t.values().forEach(x -> results.sawLoad(x.maxLoad()));
            double[] n = medians(fromNginx);
            double[] s = medians(fromService);
            results.add(String.format("token download of the synthetic file: median %.0f MiB/s, time to first byte"
                    + " %.2f ms, CPU %.2f ms/MiB; nginx (sendfile, tuned) median %.0f MiB/s, first byte %.2f ms, CPU"
                    + " %.2f ms/MiB (%d alternating runs each; quartiles of the speed: service %.0f–%.0f, nginx"
                    + " %.0f–%.0f MiB/s)", s[0] / MIB, s[1] * 1000,
                    t.get("service").cpuMillisPerUnit() * MIB, n[0] / MIB, n[1] * 1000,
                    t.get("nginx").cpuMillisPerUnit() * MIB, runs, s[2] / MIB, s[3] / MIB, n[2] / MIB, n[3] / MIB));
            results.add(String.format("**download / nginx = %.2f** (goal ≥ 1.0); first byte %.2f ms (goal < 5 ms)",
                    s[0] / n[0], s[1] * 1000));
            firstBytes(nginxUrl, serviceUrl, BenchStack.full() ? Integer.getInteger("bench.ttfb.windows", 20) : 1,
                    cpu, results);
        } finally {
            nginx.destroy();
            nginx.waitFor();
        }
    }

    /**
     * Time to first byte of a warm service, n = 50 per window: each request a new connection asking for one byte
     * past the start ({@code Range: bytes=1-1}: a resumed download, which the token allows without using it up, so
     * the token is decided and the request recorded as for any download), nginx and the service alternating. The
     * big downloads above are the service's first few on that path (JIT cold); this is what a pod meets from a
     * service that has been serving.
     */
    private static void firstBytes(String nginxUrl, String serviceUrl, int windows, ProcCpu cpu, Results results)
            throws Exception {
        int perWindow = 50;
        firstBytesOf(serviceUrl, Math.min(4, windows) * perWindow); // warm-up, not counted
        firstBytesOf(nginxUrl, perWindow);
        List<Long> fromNginx = new ArrayList<>();
        List<Long> fromService = new ArrayList<>();
        Map<String, Alternation.Side> sides = new LinkedHashMap<>();
        sides.put("nginx", ms -> addAll(fromNginx, firstBytesOf(nginxUrl, perWindow)));
        sides.put("service", ms -> addAll(fromService, firstBytesOf(serviceUrl, perWindow)));
        // what the stack uses with no request, so that each first byte's CPU is given net of it
        sides.put(Alternation.IDLE, Alternation.idle());
        Map<String, Alternation.Totals> t = Alternation.run(cpu, windows, BenchStack.full() ? 1000 : 10, sides);
        t.values().forEach(x -> results.sawLoad(x.maxLoad()));
        Percentiles service = Percentiles.ofNanos(fromService.stream().mapToLong(Long::longValue).toArray());
        Percentiles nginx = Percentiles.ofNanos(fromNginx.stream().mapToLong(Long::longValue).toArray());
        results.add(String.format("time to first byte, warm (one byte past the start, a new connection each, %d"
                + " alternating windows of %d): service %s; nginx %s", windows, perWindow, service.describe(),
                nginx.describe()));
        results.add(String.format("**first byte, warm: p50 %.2f ms, p99 %.2f ms** (goal < 5 ms); service / nginx"
                + " p50 = %.1f", service.p50(), service.p99(), service.p50() / nginx.p50()));
        Alternation.Totals idle = t.get(Alternation.IDLE);
        results.add(String.format("CPU per first byte, net of the idle stack's (%.2f CPU-s/s): service %.2f ms (%s);"
                + " nginx %.2f ms (%s)", idle.cpuSeconds() / idle.seconds(),
                t.get("service").netCpuMillisPerUnit(idle), t.get("service").describeByProcess(idle),
                t.get("nginx").netCpuMillisPerUnit(idle), t.get("nginx").describeByProcess(idle)));
    }

    /** One curl process, {@code n} requests of byte 1 each on a connection of its own; each one's first byte (ns). */
    private static List<Long> firstBytesOf(String url, int n) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--fail", "-H", "Range: bytes=1-1",
                "-H", "Connection: close", "-w", "%{time_starttransfer}\\n"));
        for (int i = 0; i < n; i++) {
            command.addAll(List.of("-o", "/dev/null", url));
        }
        List<Long> nanos = new ArrayList<>();
        for (String line : exec(command).strip().split("\\n")) {
            nanos.add(Math.round(Double.parseDouble(line.strip()) * 1e9));
        }
        assertThat(nanos).as("one first byte per request").hasSize(n);
        return nanos;
    }

    private static long addAll(List<Long> all, List<Long> some) {
        all.addAll(some);
        return some.size();
    }

    private static long add(List<double[]> runs, double[] run) {
        runs.add(run);
        return (long) run[2];
    }

    /** Median speed (bytes/s), median time to first byte (s), and the speed's first and third quartiles. */
    private static double[] medians(List<double[]> runs) {
        double[] speed = runs.stream().mapToDouble(r -> r[0]).sorted().toArray();
        double[] ttfb = runs.stream().mapToDouble(r -> r[1]).sorted().toArray();
        return new double[] {speed[speed.length / 2], ttfb[ttfb.length / 2], speed[speed.length / 4],
            speed[speed.length * 3 / 4]};
    }

    /** speed_download (bytes/s), time to first byte (s) and size (bytes) of one GET to /dev/null. */
    private static double[] curl(String url) throws Exception {
        String[] w = exec(List.of("curl", "-sS", "--fail", "-o", "/dev/null", "-w",
                "%{speed_download} %{time_starttransfer} %{size_download}", url)).strip().split(" ");
        return Arrays.stream(w).mapToDouble(Double::parseDouble).toArray();
    }

    private static Path synthetic(Path file, long bytes) throws IOException {
        if (Files.exists(file) && Files.size(file) >= bytes) {
            return file;
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (long n = 0; n < bytes; n += SFT.length()) {
                w.write(SFT);
            }
        }
        return file;
    }

    /** Lines of 40 B to 16 KiB (most short, a few long), words of several scripts, escapes now and then. */
    private static Path realistic(Path file, long bytes) throws IOException {
        if (Files.exists(file) && Files.size(file) >= bytes) {
            return file;
        }
        Random random = new Random(17);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            long written = 0;
            StringBuilder text = new StringBuilder();
            while (written < bytes) {
                int target = (int) Math.min(16_384, 20 + Math.exp(random.nextDouble() * Math.log(16_384)));
                text.setLength(0);
                while (text.length() < target) {
                    text.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? "\\n" : " ");
                }
                int cut = target / 3;
                if (Character.isLowSurrogate(text.charAt(cut)) || text.charAt(cut - 1) == '\\') {
                    cut++; // never between the halves of an emoji, nor after the backslash of an escape
                }
                String line = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + text.substring(0, cut)
                        + "\"},{\"role\":\"assistant\",\"content\":\"" + text.substring(cut) + "\"}]}\n";
                w.write(line);
                written += line.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return file;
    }

    private static Process startNginx(Path prefix, int port, Path root) throws Exception {
        Files.createDirectories(prefix.resolve("logs"));
        Path conf = prefix.resolve("nginx.conf");
        Files.writeString(conf, "daemon off;\nmaster_process off;\nworker_processes 1;\nuser root;\n"
                + "pid " + prefix.resolve("nginx.pid") + ";\nerror_log " + prefix.resolve("logs/error.log") + ";\n"
                + "events { worker_connections 256; }\n"
                + "http {\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  tcp_nodelay on;\n"
                + "  sendfile_max_chunk 2m;\n  open_file_cache max=100 inactive=60s;\n  keepalive_timeout 65;\n"
                + "  client_body_temp_path " + prefix + "/body;\n  proxy_temp_path " + prefix + "/proxy;\n"
                + "  fastcgi_temp_path " + prefix + "/fastcgi;\n  uwsgi_temp_path " + prefix + "/uwsgi;\n"
                + "  scgi_temp_path " + prefix + "/scgi;\n"
                + "  server {\n    listen 127.0.0.1:" + port + ";\n    root " + root + ";\n"
                + "    default_type application/x-ndjson;\n  }\n}\n");
        Process nginx = new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/stdout.log").toFile()).start();
        for (int i = 0; i < 100; i++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return nginx;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("nginx did not start; see " + prefix.resolve("logs"));
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(cmd.get(0) + " failed: " + out);
        }
        return out;
    }
}
