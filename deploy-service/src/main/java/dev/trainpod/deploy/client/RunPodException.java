package dev.trainpod.deploy.client;

import java.time.Duration;

/**
 * A RunPod call that failed, classified by what the caller should do about it.
 *
 * @param detail RunPod's problem detail (never contains the API key)
 */
public class RunPodException extends RuntimeException {

    /** What a failed call means for the caller. */
    public enum Kind {
        /** 400 "no longer any instances available": try the next candidate. */
        NO_CAPACITY,
        /** 401: the key is missing or invalid. */
        UNAUTHORIZED,
        /** 402: the account balance is too low. */
        INSUFFICIENT_BALANCE,
        /** 403: the key may not do this. */
        FORBIDDEN,
        /** 404. */
        NOT_FOUND,
        /** 429, with the wait RunPod asked for. */
        RATE_LIMITED,
        /** 5xx, a timeout or a lost connection: worth another try. */
        TRANSIENT,
        /** Any other 4xx: the request itself is wrong. */
        REJECTED
    }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;

    public RunPodException(Kind kind, int status, String detail, Duration retryAfter) {
        super("RunPod answered " + (status == 0 ? "nothing" : status) + ": " + detail);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return status;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
