package dev.trainpod.devstack.runpod;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A pod's log: container output and the simulator's own lifecycle notes, in arrival order. */
final class PodLog {

    /** A log line with its RunPod log source, {@code container} or {@code system}. */
    record Entry(Instant time, String source, String line) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final String sinkPrefix;
    private final Consumer<String> sink;

    PodLog(String podId, Consumer<String> sink) {
        this.sinkPrefix = "[pod " + podId + "] ";
        this.sink = sink;
    }

    void container(String line) {
        append("container", line);
    }

    void system(String line) {
        append("system", "[simulator] " + line);
    }

    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    List<LogLine> lines() {
        return entries().stream().map(e -> new LogLine(e.time(), e.line())).toList();
    }

    private void append(String source, String line) {
        synchronized (this) {
            entries.add(new Entry(Instant.now(), source, line));
        }
        sink.accept(sinkPrefix + line);
    }
}
