package dev.trainpod.devstack.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends a benchmark's figures to a results file (Markdown), each run with the machine's state: CPUs, Java, the
 * services' JVM mode and extra flags, PostgreSQL's fsync, the load average before and after and the highest seen,
 * and a {@code LOADED} flag when the load exceeded the CPU count (then only the ratios are figures).
 */
public final class Results {

    private final String benchmark;
    private final MachineState before;
    private final List<String> lines = new ArrayList<>();
    private double maxLoad;

    public Results(String benchmark) {
        this.benchmark = benchmark;
        this.before = MachineState.now();
        this.maxLoad = before.load1();
    }

    /** Notes a load average seen during the run. */
    public void sawLoad(double load1) {
        maxLoad = Math.max(maxLoad, load1);
    }

    /** Adds a figure line. */
    public void add(String line) {
        lines.add(line);
        System.out.println("[benchmark] " + line);
    }

    /** True when the load average exceeded the CPU count at any point seen. */
    public boolean loaded() {
        return maxLoad > before.cpus() || MachineState.now().overloaded();
    }

    /** Appends the run to {@code file} and answers the text written. */
    public String appendTo(Path file) {
        MachineState after = MachineState.now();
        sawLoad(after.load1());
        StringBuilder s = new StringBuilder("\n## ").append(benchmark).append(", ").append(before.at()).append("\n\n");
        s.append(String.format("- commit %s; machine: %d CPUs, Java %s, services' JVM: %s, PostgreSQL fsync and"
                + " synchronous_commit: %s%n",
                System.getProperty("bench.commit", "unknown"), before.cpus(), System.getProperty("java.version"),
                System.getProperty("trainpod.service.jvm", "test (C1)"),
                System.getProperty("trainpod.postgres.fsync", "off")));
        String extra = System.getProperty("trainpod.service.jvm.extra", "").strip();
        if (!extra.isEmpty()) {
            s.append("- services' extra JVM flags: `").append(extra).append("`\n");
        }
        s.append(String.format("- load: before %s; after %s; highest 1-min load seen %.2f%s%n", before.describe(),
                after.describe(), maxLoad, loaded() ? " — **LOADED: above the CPU count, only ratios count**" : ""));
        lines.forEach(l -> s.append("- ").append(l).append('\n'));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, s, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }
}
