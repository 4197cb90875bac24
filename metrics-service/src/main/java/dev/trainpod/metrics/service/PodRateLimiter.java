package dev.trainpod.metrics.service;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.ratelimit.KeyedRateLimiter;
import dev.trainpod.metrics.config.MetricsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The pod-write limit per job ({@link KeyedRateLimiter}): {@code trainpod.metrics.pod-write-burst} writes at once,
 * refilled at {@code trainpod.metrics.pod-writes-per-second}, for up to {@code trainpod.metrics.rate-limited-jobs}
 * jobs in memory. Each replica counts its own calls, so behind a load balancer a job may write up to that many times
 * the rate; the limit is there to stop a runaway pod, not to meter a fair one.
 */
@ApplicationScoped
public class PodRateLimiter {

    private final KeyedRateLimiter limiter;

    public PodRateLimiter(MetricsConfig config) {
        this.limiter = new KeyedRateLimiter(config.podWriteBurst(), config.podWritesPerSecond(),
                config.rateLimitedJobs(), seconds -> Problem.of(429, "rate-limited", "Too many requests",
                        "This job writes faster than its limit; retry after " + seconds
                                + " s and send larger batches less often."));
    }

    /** Takes one write from the job's bucket, or fails with a 429 problem that says when to retry. */
    public void acquire(UUID deploymentId) {
        limiter.acquire(deploymentId.toString());
    }
}
