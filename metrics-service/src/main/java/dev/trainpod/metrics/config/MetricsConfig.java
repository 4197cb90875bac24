package dev.trainpod.metrics.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits on what pods may send and what users may read back. */
@ConfigMapping(prefix = "trainpod.metrics")
public interface MetricsConfig {

    /** Most points one {@code POST .../metrics} may carry (more answers 413); default 1000. */
    @WithDefault("1000")
    int maxPointsPerBatch();

    /** Most log lines kept per job, the oldest dropped first; default 10000. */
    @WithDefault("10000")
    int maxLogLinesPerJob();

    /** Longest log line kept, in characters; the rest of a longer line is cut; default 4096. */
    @WithDefault("4096")
    int maxLogLineLength();

    /** Most bytes (UTF-8) of a failure's log tail kept, counted from its end; default 65536 (64 KiB). */
    @WithDefault("65536")
    int maxLogTailBytes();

    /** Most points one {@code GET .../metrics} returns (longer series are downsampled); default 2000. */
    @WithDefault("2000")
    int maxPointsPerQuery();

    /** How many log lines {@code GET .../logs} returns when {@code tail} is not given; default 200. */
    @WithDefault("200")
    int defaultLogTail();

    /** How many of the latest points the step rate behind {@code etaSeconds} is measured over; default 20. */
    @WithDefault("20")
    int etaWindowPoints();
}
