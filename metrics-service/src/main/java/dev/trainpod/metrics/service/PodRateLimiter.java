package dev.trainpod.metrics.service;

import dev.trainpod.metrics.config.MetricsConfig;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per job, in memory, for pod writes: {@code trainpod.metrics.pod-write-burst} writes at once,
 * refilled at {@code trainpod.metrics.pod-writes-per-second}. Each replica counts its own calls, so behind a
 * load balancer a job may write up to that many times the rate; the limit is there to stop a runaway pod, not
 * to meter a fair one.
 */
@ApplicationScoped
public class PodRateLimiter {

    private static final long IDLE_NANOS = 10L * 60 * 1_000_000_000L;

    private final double perNano;
    private final int burst;
    private final Map<UUID, Bucket> buckets = new ConcurrentHashMap<>();

    public PodRateLimiter(MetricsConfig config) {
        this.perNano = config.podWritesPerSecond() / 1e9;
        this.burst = config.podWriteBurst();
    }

    /** Takes one write from the job's bucket, or fails with a 429 problem that says when to retry. */
    public void acquire(UUID deploymentId) {
        long waitNanos = buckets.computeIfAbsent(deploymentId, id -> new Bucket(burst, System.nanoTime()))
                .take(perNano, burst, System.nanoTime());
        if (waitNanos > 0) {
            throw new RateLimitedException(Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L));
        }
    }

    /** Forgets the buckets of jobs that have not written for ten minutes (a full bucket, as a new one is). */
    @Scheduled(every = "5m", delayed = "5m")
    void forgetIdle() {
        long now = System.nanoTime();
        buckets.values().removeIf(bucket -> bucket.idleSince(now) > IDLE_NANOS);
    }

    private static final class Bucket {
        private double tokens;
        private long updated;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updated = now;
        }

        /** Takes a token if there is one (0); otherwise how many nanoseconds until there is one. */
        synchronized long take(double perNano, int burst, long now) {
            tokens = Math.min(burst, tokens + (now - updated) * perNano);
            updated = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / perNano);
        }

        synchronized long idleSince(long now) {
            return now - updated;
        }
    }
}
