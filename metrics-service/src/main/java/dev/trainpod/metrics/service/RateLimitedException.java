package dev.trainpod.metrics.service;

import dev.trainpod.common.problem.Problem;

/** A pod wrote faster than its job's limit: answered 429 with {@code Retry-After}. */
public class RateLimitedException extends RuntimeException {

    private final long retryAfterSeconds;

    RateLimitedException(long retryAfterSeconds) {
        super("rate limited", null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The problem document of the answer. */
    public Problem problem() {
        return Problem.of(429, "rate-limited", "Too many requests",
                "This job writes faster than its limit; retry after " + retryAfterSeconds
                        + " s and send larger batches less often.");
    }
}
