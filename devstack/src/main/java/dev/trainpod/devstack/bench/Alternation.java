package dev.trainpod.devstack.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a subject and its references in short alternating windows (A B A B ...), so that each sees the same machine
 * over the same minutes, and totals per side: units done, wall time, CPU seconds of every process involved
 * ({@link ProcCpu}, sampled around each window) and the highest load average seen.
 */
public final class Alternation {

    /** One side: runs one window of about {@code millis} and answers the units it completed. */
    @FunctionalInterface
    public interface Side {
        long window(long millis) throws Exception;
    }

    /** A side's totals over its windows. */
    public static final class Totals {
        private long units;
        private double seconds;
        private double cpuSeconds;
        private final Map<String, Double> cpuByProcess = new TreeMap<>();
        private int windows;
        private double maxLoad;

        public long units() {
            return units;
        }

        public double seconds() {
            return seconds;
        }

        public double cpuSeconds() {
            return cpuSeconds;
        }

        public double maxLoad() {
            return maxLoad;
        }

        public int windows() {
            return windows;
        }

        /** Units per second of wall time. */
        public double rate() {
            return units / seconds;
        }

        /** CPU milliseconds (every process involved) per unit. */
        public double cpuMillisPerUnit() {
            return units == 0 ? Double.NaN : cpuSeconds * 1000 / units;
        }

        /**
         * CPU milliseconds per unit less the background: what an {@link #IDLE} side (no load) used per second,
         * times this side's seconds, is taken off first. The stack (Kafka, schedulers, the provisioner) spends CPU
         * whatever the load, and a slower side would otherwise be charged more of it.
         */
        public double netCpuMillisPerUnit(Totals idle) {
            if (idle == null || idle.seconds == 0) {
                return cpuMillisPerUnit();
            }
            double background = idle.cpuSeconds / idle.seconds * seconds;
            return units == 0 ? Double.NaN : Math.max(0, cpuSeconds - background) * 1000 / units;
        }

        /**
         * Where this side's CPU went, net of the background each process used in the idle windows, in ms per unit:
         * {@code deploy-service 9.10, postgres 4.20, ...}, largest first.
         */
        public String describeByProcess(Totals idle) {
            return Alternation.describe(netMillisPerUnitByProcess(idle));
        }

        /** Each process's CPU, net of the background it used in the idle windows, in ms per unit. */
        public Map<String, Double> netMillisPerUnitByProcess(Totals idle) {
            Map<String, Double> out = new TreeMap<>();
            cpuByProcess.forEach((process, used) -> out.put(process, (used - (idle == null || idle.seconds == 0 ? 0
                    : idle.cpuByProcess.getOrDefault(process, 0.0) / idle.seconds * seconds)) * 1000
                    / Math.max(1, units)));
            return out;
        }

        /**
         * Each process's CPU in ms per second of this side's windows, gross (the background included): where a
         * machine's CPUs went while this side ran, e.g. how busy the fan-out kept them beside a latency side.
         */
        public Map<String, Double> millisPerSecondByProcess() {
            Map<String, Double> out = new TreeMap<>();
            cpuByProcess.forEach((process, used) -> out.put(process, seconds == 0 ? 0 : used * 1000 / seconds));
            return out;
        }

        /** As {@link #netCpuMillisPerUnit}, without the CPU of the JIT compiler threads (see {@link ProcCpu#JIT}). */
        public double netCpuMillisPerUnitWithoutJit(Totals idle) {
            if (units == 0) {
                return Double.NaN;
            }
            double net = netMillisPerUnitByProcess(idle).entrySet().stream()
                    .filter(e -> !e.getKey().endsWith(ProcCpu.JIT)).mapToDouble(Map.Entry::getValue).sum();
            return Math.max(0, net);
        }

        /** {@code 1234 units in 10.0 s = 123.4/s, CPU 1.52 ms/unit, max load 1.20}. */
        public String describe(String unit) {
            return String.format("%d %s in %.1f s = %.1f/s, CPU %.3f ms per %s (%d windows, max load %.2f)", units,
                    unit, seconds, rate(), cpuMillisPerUnit(), unit, windows, maxLoad);
        }
    }

    /** {@code deploy-service 9.10, postgres 4.20, ...}: ms per unit by process, largest first. */
    public static String describe(Map<String, Double> byProcess) {
        StringBuilder out = new StringBuilder();
        byProcess.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> out.append(out.isEmpty() ? "" : ", ").append(e.getKey())
                        .append(String.format(" %.2f", e.getValue())));
        return out.toString();
    }

    /** The name of a side that only waits: the background CPU of the stack, to take off the others'. */
    public static final String IDLE = "idle";

    /** A side that sends nothing for its window (add it as {@link #IDLE}). */
    public static Side idle() {
        return ms -> {
            Thread.sleep(ms);
            return 0;
        };
    }

    private Alternation() {
    }

    /** Something done before each window, outside it: neither its time nor its CPU is counted. */
    @FunctionalInterface
    public interface Between {
        void run() throws Exception;
    }

    /** Runs {@code rounds} rounds, each side one window of {@code millis} per round, in the given order. */
    public static Map<String, Totals> run(ProcCpu cpu, int rounds, long millis, Map<String, Side> sides)
            throws Exception {
        return run(cpu, rounds, millis, sides, () -> { });
    }

    /** As {@link #run(ProcCpu, int, long, Map)}, with {@code before} run before each window, not counted. */
    public static Map<String, Totals> run(ProcCpu cpu, int rounds, long millis, Map<String, Side> sides,
                                          Between before) throws Exception {
        Map<String, Totals> totals = new LinkedHashMap<>();
        sides.keySet().forEach(k -> totals.put(k, new Totals()));
        List<String> order = List.copyOf(sides.keySet());
        for (int r = 0; r < rounds; r++) {
            // alternate which side goes first, so neither always follows the other
            List<String> round = new ArrayList<>(order);
            if (r % 2 == 1) {
                Collections.reverse(round);
            }
            for (String name : round) {
                before.run();
                Totals t = totals.get(name);
                Map<String, Double> cpu0 = cpu.byProcess();
                long t0 = System.nanoTime();
                t.units += sides.get(name).window(millis);
                t.seconds += (System.nanoTime() - t0) / 1e9;
                Map<String, Double> cpu1 = cpu.byProcess();
                cpu1.forEach((process, seconds) -> {
                    double used = seconds - cpu0.getOrDefault(process, 0.0);
                    t.cpuSeconds += used;
                    t.cpuByProcess.merge(process, used, Double::sum);
                });
                t.windows++;
                t.maxLoad = Math.max(t.maxLoad, MachineState.now().load1());
            }
        }
        return totals;
    }
}
