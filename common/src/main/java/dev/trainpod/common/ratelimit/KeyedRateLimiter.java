package dev.trainpod.common.ratelimit;

import dev.trainpod.common.problem.Problem;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * A token bucket per key (a job, a client address), in memory, with bounded memory: {@code burst} takes at once,
 * refilled at {@code perSecond}. At most {@code capacity} keys are held; a new key first pushes out the least
 * recently used one whose bucket has refilled (forgetting a full bucket loses nothing: a new key gets a full one);
 * when every held bucket is still refilling, new keys take from one shared overflow bucket, so that a flood of fresh
 * keys (an attacker's addresses) never grows memory. Each replica counts its own calls.
 * Refusals are {@link RateLimitedException}s carrying the limiter's problem and a {@code Retry-After}.
 */
public final class KeyedRateLimiter {

    private final double perNano;
    private final int burst;
    private final int capacity;
    private final LongFunction<Problem> problem;
    private final LongSupplier clock;
    private final LinkedHashMap<String, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true);
    private final Bucket overflow;

    /**
     * @param burst takes a key may make at once
     * @param perSecond takes a key gets back per second
     * @param capacity most keys held in memory
     * @param problem the 429 problem of a refusal, given the seconds until a take is possible again
     */
    public KeyedRateLimiter(int burst, double perSecond, int capacity, LongFunction<Problem> problem) {
        this(burst, perSecond, capacity, problem, System::nanoTime);
    }

    KeyedRateLimiter(int burst, double perSecond, int capacity, LongFunction<Problem> problem, LongSupplier clock) {
        if (burst < 1 || perSecond <= 0 || capacity < 1) {
            throw new IllegalArgumentException("burst, rate and capacity must be positive");
        }
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.capacity = capacity;
        this.problem = problem;
        this.clock = clock;
        this.overflow = new Bucket(burst, clock.getAsLong());
    }

    /** Takes one from the key's bucket, or fails with {@link RateLimitedException} if it is empty. */
    public void acquire(String key) {
        long now = clock.getAsLong();
        long waitNanos;
        synchronized (this) {
            waitNanos = bucket(key, now).take(perNano, burst, now, false);
        }
        refuseIf(waitNanos);
    }

    /**
     * Fails with {@link RateLimitedException} while the key's bucket is empty; takes nothing. A key not held has
     * taken nothing lately (or so long ago that its bucket refilled) and passes, so that a flood of fresh keys
     * never shuts out a newcomer.
     */
    public void check(String key) {
        long now = clock.getAsLong();
        long waitNanos;
        synchronized (this) {
            Bucket bucket = buckets.get(key);
            waitNanos = bucket == null ? 0 : bucket.waitNanos(perNano, burst, now);
        }
        refuseIf(waitNanos);
    }

    /** Takes one from the key's bucket even when that empties it (a failure to count, not a request to admit). */
    public void take(String key) {
        long now = clock.getAsLong();
        synchronized (this) {
            bucket(key, now).take(perNano, burst, now, true);
        }
    }

    /** How many keys are held (at most the capacity). */
    public synchronized int size() {
        return buckets.size();
    }

    private Bucket bucket(String key, long now) {
        Bucket bucket = buckets.get(key);
        if (bucket != null) {
            return bucket;
        }
        if (buckets.size() >= capacity && !evictRefilled(now)) {
            return overflow;
        }
        bucket = new Bucket(burst, now);
        buckets.put(key, bucket);
        return bucket;
    }

    /** Forgets the least recently used key if its bucket is full again; false if it is not. */
    private boolean evictRefilled(long now) {
        Iterator<Map.Entry<String, Bucket>> eldest = buckets.entrySet().iterator();
        if (eldest.hasNext() && eldest.next().getValue().isFull(perNano, burst, now)) {
            eldest.remove();
            return true;
        }
        return false;
    }

    private void refuseIf(long waitNanos) {
        if (waitNanos > 0) {
            long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
            throw new RateLimitedException(problem.apply(seconds), seconds);
        }
    }

    /** One key's tokens; guarded by the limiter's lock. */
    private static final class Bucket {
        private double tokens;
        private long updated;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updated = now;
        }

        /** Takes a token if there is one (0), otherwise how many nanoseconds until there is; forced takes anyway. */
        long take(double perNano, int burst, long now, boolean forced) {
            refill(perNano, burst, now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            if (forced) {
                tokens = 0;
            }
            return (long) Math.ceil((1 - tokens) / perNano);
        }

        long waitNanos(double perNano, int burst, long now) {
            refill(perNano, burst, now);
            return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano);
        }

        boolean isFull(double perNano, int burst, long now) {
            refill(perNano, burst, now);
            return tokens >= burst;
        }

        private void refill(double perNano, int burst, long now) {
            tokens = Math.min(burst, tokens + (now - updated) * perNano);
            updated = now;
        }
    }
}
