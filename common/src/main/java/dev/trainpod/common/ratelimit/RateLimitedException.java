package dev.trainpod.common.ratelimit;

import dev.trainpod.common.problem.Problem;

/** A {@link KeyedRateLimiter} refused: answered 429 with its problem and {@code Retry-After} ({@link RateLimitMapper}). */
public class RateLimitedException extends RuntimeException {

    private final transient Problem problem;
    private final long retryAfterSeconds;

    RateLimitedException(Problem problem, long retryAfterSeconds) {
        super(problem.title() + ": " + problem.detail(), null, false, false);
        this.problem = problem;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The problem document of the answer. */
    public Problem problem() {
        return problem;
    }

    /** Seconds until the key may try again. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
