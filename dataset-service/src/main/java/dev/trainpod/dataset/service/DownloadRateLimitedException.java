package dev.trainpod.dataset.service;

import dev.trainpod.common.problem.Problem;

/** A client presented too many unknown download tokens: answered 429 with {@code Retry-After}. */
public class DownloadRateLimitedException extends RuntimeException {

    private final long retryAfterSeconds;

    DownloadRateLimitedException(long retryAfterSeconds) {
        super("download attempts rate limited", null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The problem document of the answer. */
    public Problem problem() {
        return Problem.of(429, "download-rate-limited", "Too many requests",
                "Too many download links that do not exist were tried from this address; retry after "
                        + retryAfterSeconds + " s with a valid link.");
    }
}
