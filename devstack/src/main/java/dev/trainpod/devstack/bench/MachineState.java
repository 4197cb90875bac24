package dev.trainpod.devstack.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The machine's state when a figure is taken: load average (1, 5, 15 min, from {@code /proc/loadavg}) and CPU
 * count. A run whose 1-minute load exceeded the CPU count is flagged: its processes waited for a CPU, so only
 * ratios against a reference measured alternately in the same run mean anything.
 */
public record MachineState(Instant at, double load1, double load5, double load15, int cpus) {

    /** Reads the state now; the load is NaN where {@code /proc/loadavg} cannot be read. */
    public static MachineState now() {
        double[] load = {Double.NaN, Double.NaN, Double.NaN};
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            for (int i = 0; i < 3; i++) {
                load[i] = Double.parseDouble(f[i]);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: left NaN
        }
        return new MachineState(Instant.now(), load[0], load[1], load[2], Runtime.getRuntime().availableProcessors());
    }

    /** True when the 1-minute load average was above the number of CPUs. */
    public boolean overloaded() {
        return load1 > cpus;
    }

    /** {@code load 0.52/0.61/0.70 on 2 CPUs}, with {@code LOADED} appended when {@link #overloaded()}. */
    public String describe() {
        return String.format("load %.2f/%.2f/%.2f on %d CPUs%s", load1, load5, load15, cpus,
                overloaded() ? " LOADED" : "");
    }
}
