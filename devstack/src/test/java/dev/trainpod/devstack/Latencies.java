package dev.trainpod.devstack;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Durations measured by many threads, summarised as nearest-rank percentiles. */
final class Latencies {

    private final List<Double> values = Collections.synchronizedList(new ArrayList<>());

    void add(double value) {
        values.add(value);
    }

    int count() {
        return values.size();
    }

    /** The nearest-rank percentile, e.g. {@code percentile(99)}; NaN when nothing was measured. */
    double percentile(int p) {
        List<Double> sorted = sorted();
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    double max() {
        List<Double> sorted = sorted();
        return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1);
    }

    /** {@code n=.. p50=.. p99=.. max=..} with the given number format, e.g. {@code "%.1f"}. */
    String summary(String format) {
        return String.format("n=%d p50=" + format + " p99=" + format + " max=" + format, count(), percentile(50),
                percentile(99), max());
    }

    private List<Double> sorted() {
        List<Double> copy;
        synchronized (values) {
            copy = new ArrayList<>(values);
        }
        Collections.sort(copy);
        return copy;
    }
}
