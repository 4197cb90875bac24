package dev.trainpod.metrics.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits on what pods may send and what users may read back; the watchdog's and retention's clocks. */
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

    /**
     * Pod writes (status, metrics, logs) one job may make per second, on average, per replica; more answer 429
     * with {@code Retry-After}. A pod pushes a batch every few seconds, so the default, 10, leaves ample room;
     * default 10.
     */
    @WithDefault("10")
    double podWritesPerSecond();

    /** Pod writes one job may make at once before the per-second rate applies (a pod's spool flush); default 50. */
    @WithDefault("50")
    int podWriteBurst();

    /** Most jobs whose pod-write buckets are held in memory (idle, refilled ones make room first); default 10000. */
    @WithDefault("10000")
    int rateLimitedJobs();

    /**
     * How long an active job that has reported at least once may go without any pod call before the watchdog
     * fails it with {@code FAILED_HEARTBEAT_LOST}; default 3m. A job that never reported is deploy-service's
     * to fail (its provisioning deadline).
     */
    @WithDefault("3m")
    Duration heartbeatTimeout();

    /** How often the watchdog looks for silent and stalled jobs; default 30s. */
    @WithDefault("30s")
    Duration watchdogInterval();

    /** How long after its deployment ended a job's points, log lines and phase changes are kept; default 30d. */
    @WithDefault("30d")
    Duration retention();

    /** How often expired telemetry is deleted; default 1h. */
    @WithDefault("1h")
    Duration retentionInterval();

    /**
     * How often a live stream looks for new points, log lines and phase changes while they come; default 1s (four
     * queries). Each quiet look doubles the wait, up to {@link #streamIdlePollInterval()}.
     */
    @WithDefault("1s")
    Duration streamPollInterval();

    /** The longest wait between two looks of a quiet stream; default 5s. */
    @WithDefault("5s")
    Duration streamIdlePollInterval();

    /** How long a stream may go without sending anything before it sends a keep-alive comment; default 15s. */
    @WithDefault("15s")
    Duration streamKeepAlive();

    /** Most live streams one user may hold open on one replica (the next is answered 429); default 50. */
    @WithDefault("50")
    int maxStreamsPerUser();

    /** Most live streams one replica holds open for all users together (the next is answered 429); default 500. */
    @WithDefault("500")
    int maxStreams();
}
