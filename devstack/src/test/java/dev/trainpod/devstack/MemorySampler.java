package dev.trainpod.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples the memory of the stack's service JVMs: resident set size from {@code /proc/<pid>/status}, and heap in
 * use right after a full collection ({@code jcmd GC.run}, then {@code GC.heap_info}), which is the live data and
 * so the figure that shows a leak; writes every sample to a CSV file as it goes.
 */
final class MemorySampler {

    /** One reading of one service. */
    record Sample(Instant time, double elapsedSeconds, String service, double rssMib, double heapAfterGcMib,
                  String loadAverage) {
    }

    static final List<String> SERVICES = List.of("deploy-service", "dataset-service", "metrics-service");
    private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    /** The generations of a Serial or Parallel heap, e.g. {@code tenured generation   total 21888K, used 10397K}. */
    private static final Pattern GENERATION_USED = Pattern.compile("(?m)generation\\s+total \\d+K, used (\\d+)K");

    private final LocalStack stack;
    private final Path csv;
    private final Instant start = Instant.now();
    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());

    MemorySampler(LocalStack stack, Path csv) {
        this.stack = stack;
        this.csv = csv;
        write("time,elapsed_s,service,rss_mib,heap_after_gc_mib,load_average\n", false);
    }

    /** Reads every service once and appends the readings to the CSV file. */
    void sample() {
        for (String service : SERVICES) {
            long pid = stack.service(service).pid();
            Sample s = new Sample(Instant.now(), Duration.between(start, Instant.now()).toMillis() / 1000.0,
                    service, rssMib(pid), heapAfterGcMib(pid), loadAverage());
            samples.add(s);
            write(String.format("%s,%.1f,%s,%.1f,%.1f,%s%n", s.time(), s.elapsedSeconds(), s.service(), s.rssMib(),
                    s.heapAfterGcMib(), s.loadAverage()), true);
        }
    }

    List<Sample> samples(String service) {
        synchronized (samples) {
            return samples.stream().filter(s -> s.service().equals(service)).toList();
        }
    }

    /** The first three fields of {@code /proc/loadavg}: load average over 1, 5 and 15 minutes. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double rssMib(long pid) {
        try {
            Matcher m = VM_RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
            return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : Double.NaN;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the memory of process " + pid, e);
        }
    }

    private static double heapAfterGcMib(long pid) {
        jcmd(pid, "GC.run");
        Matcher m = GENERATION_USED.matcher(jcmd(pid, "GC.heap_info"));
        long usedKib = 0;
        boolean found = false;
        while (m.find()) {
            usedKib += Long.parseLong(m.group(1));
            found = true;
        }
        return found ? usedKib / 1024.0 : Double.NaN;
    }

    private static String jcmd(long pid, String command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + jcmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void write(String text, boolean append) {
        try {
            Files.createDirectories(csv.getParent());
            if (append) {
                Files.writeString(csv, text, StandardOpenOption.APPEND);
            } else {
                Files.writeString(csv, text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv, e);
        }
    }
}
