package dev.trainpod.devstack.bench;

import java.util.Arrays;

/**
 * Nearest-rank percentiles of latencies (nanoseconds) kept whole in a sorted array, so nothing is approximated.
 * A percentile is reported as trustworthy only when at least 1,000 samples were taken, so that p99 is not the
 * maximum of a handful ({@link #enough()}).
 */
public record Percentiles(int n, double p50, double p90, double p99, double p999, double max) {

    /** The minimum sample count for a reported percentile. */
    public static final int MIN_SAMPLES = 1000;

    /** Summarises latencies in nanoseconds as milliseconds. */
    public static Percentiles ofNanos(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return new Percentiles(s.length, ms(s, 50), ms(s, 90), ms(s, 99), ms(s, 99.9),
                s.length == 0 ? Double.NaN : s[s.length - 1] / 1e6);
    }

    private static double ms(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
    }

    /** True when at least {@link #MIN_SAMPLES} latencies were measured. */
    public boolean enough() {
        return n >= MIN_SAMPLES;
    }

    /** {@code n=1200 p50=3.1 p90=5.0 p99=12.4 p99.9=40.2 max=51.0 ms}, {@code (n<1000)} appended when too few. */
    public String describe() {
        return String.format("n=%d p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f max=%.1f ms%s", n, p50, p90, p99, p999, max,
                enough() ? "" : " (n<" + MIN_SAMPLES + ")");
    }
}
