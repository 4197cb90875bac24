package dev.trainpod.devstack.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * CPU time of a set of processes and all their descendants, from {@code /proc/<pid>/stat} (user + system time
 * of each live process, plus what its waited-for children used). Sampled before and after a window, the
 * difference is the CPU every process involved spent in it; {@link #byProcess()} splits it by what each process
 * is (a service by its module, PostgreSQL, the load process, the benchmark JVM), to show where an operation's CPU
 * goes.
 */
public final class ProcCpu {

    /** Clock ticks per second of {@code /proc} times (USER_HZ); 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final List<Long> roots;

    public ProcCpu(Collection<Long> roots) {
        this.roots = List.copyOf(roots);
    }

    /** The benchmark's own JVM: Kafka, the simulator and the in-process references run in it. */
    private static final String SELF = "benchmark JVM";

    /** The suffix of a JVM's label for the CPU of its JIT compiler threads ({@link #compilerTicks}). */
    public static final String JIT = " (JIT)";

    private final Map<Long, String> labels = new HashMap<>();

    /** CPU seconds used so far by the roots and their descendants; 0 where {@code /proc} is not there. */
    public double seconds() {
        return byProcess().values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /**
     * CPU seconds used so far by the roots and their descendants, by what each process is: a service's module name,
     * {@code postgres}, {@code load}, {@code benchmark JVM}, or the command's name ({@code nginx}, {@code curl}); a
     * JVM's JIT compiler threads apart, under its label and {@link #JIT}.
     */
    public Map<String, Double> byProcess() {
        Map<Long, long[]> all = readAll();
        Map<Long, List<Long>> children = new HashMap<>();
        all.forEach((pid, s) -> children.computeIfAbsent(s[0], k -> new java.util.ArrayList<>()).add(pid));
        Set<Long> seen = new HashSet<>();
        Deque<Long> todo = new ArrayDeque<>(roots);
        Map<String, Double> out = new TreeMap<>();
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            if (!seen.add(pid)) {
                continue;
            }
            long[] s = all.get(pid);
            if (s != null) {
                String label = labels.computeIfAbsent(pid, ProcCpu::label);
                long jit = label.equals("postgres") ? 0 : compilerTicks(pid);
                out.merge(label, (s[1] - jit) / TICKS_PER_SECOND, Double::sum);
                if (jit > 0) {
                    out.merge(label + JIT, jit / TICKS_PER_SECOND, Double::sum);
                }
            }
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return out;
    }

    /**
     * CPU ticks of a JVM's JIT compiler threads ({@code C1/C2 CompilerThread}, named so in {@code /proc}); 0 for
     * any other process. A service compiles its hot paths for minutes after it starts: with the 1-CPU limit of
     * production this is as much CPU as the requests themselves long after a benchmark's warm-up, and a service that
     * has been up for hours pays nothing of it, so it is reported apart.
     */
    private static long compilerTicks(long pid) {
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(open + 1, close);
                    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                        String[] f = stat.substring(close + 2).trim().split(" ");
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we read
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks;
    }

    /** What a process is, from its command line (read once per process: a pid is not reused within a run). */
    private static String label(long pid) {
        if (pid == ProcessHandle.current().pid()) {
            return SELF;
        }
        try {
            String[] args = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).split("\0");
            for (int i = 0; i < args.length; i++) {
                if (args[i].endsWith("quarkus-app/quarkus-run.jar")) {
                    // <root>/<module>/target/quarkus-app/quarkus-run.jar
                    Path module = Path.of(args[i]).getParent().getParent().getParent();
                    return module == null ? "service" : module.getFileName().toString();
                }
                if (args[i].equals(OpenLoop.class.getName())) {
                    return "load";
                }
            }
            String comm = Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim();
            return comm.isEmpty() ? "other" : comm;
        } catch (IOException | RuntimeException e) {
            return "other";
        }
    }

    /** Every process: pid → {parent pid, utime + stime + cutime + cstime}. */
    private static Map<Long, long[]> readAll() {
        Map<Long, long[]> out = new HashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path d : dirs) {
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    // the command name (field 2) may hold spaces: the fields after it follow the last ')'
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                    long ppid = Long.parseLong(f[1]);
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
                            + Long.parseLong(f[14]);
                    out.put(Long.parseLong(d.getFileName().toString()), new long[] {ppid, ticks});
                } catch (IOException | RuntimeException e) {
                    // the process ended while we read
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
