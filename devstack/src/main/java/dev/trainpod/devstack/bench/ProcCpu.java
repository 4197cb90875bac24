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

/**
 * CPU time of a set of processes and all their descendants, from {@code /proc/<pid>/stat} (user + system time
 * of each live process, plus what its waited-for children used). Sampled before and after a window, the
 * difference is the CPU every process involved spent in it.
 */
public final class ProcCpu {

    /** Clock ticks per second of {@code /proc} times (USER_HZ); 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final List<Long> roots;

    public ProcCpu(Collection<Long> roots) {
        this.roots = List.copyOf(roots);
    }

    /** CPU seconds used so far by the roots and their descendants; 0 where {@code /proc} is not there. */
    public double seconds() {
        Map<Long, long[]> all = readAll();
        Map<Long, List<Long>> children = new HashMap<>();
        all.forEach((pid, s) -> children.computeIfAbsent(s[0], k -> new java.util.ArrayList<>()).add(pid));
        Set<Long> seen = new HashSet<>();
        Deque<Long> todo = new ArrayDeque<>(roots);
        long ticks = 0;
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            if (!seen.add(pid)) {
                continue;
            }
            long[] s = all.get(pid);
            if (s != null) {
                ticks += s[1];
            }
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return ticks / TICKS_PER_SECOND;
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
