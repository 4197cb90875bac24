package dev.trainpod.dataset.service;

import dev.trainpod.dataset.config.DatasetConfig;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stops a client from guessing download tokens: each client address may present
 * {@code trainpod.dataset.download-guess-burst} unknown tokens at once, refilled at
 * {@code trainpod.dataset.download-guesses-per-minute}; while its allowance is spent, every download it asks for is
 * refused with 429, a valid token's too. Tokens that are found cost nothing, so a pod that downloads its dataset
 * never meets the limit. In memory, per replica: with 256-bit tokens it only has to make guessing pointless.
 */
@ApplicationScoped
public class DownloadGuard {

    private static final long IDLE_NANOS = 60L * 60 * 1_000_000_000L;

    private final double perNano;
    private final int burst;
    private final Map<String, Allowance> clients = new ConcurrentHashMap<>();

    @Inject
    public DownloadGuard(DatasetConfig config) {
        this(config.downloadGuessBurst(), config.downloadGuessesPerMinute());
    }

    DownloadGuard(int burst, double perMinute) {
        this.perNano = perMinute / 60e9;
        this.burst = burst;
    }

    /** Fails with {@link DownloadRateLimitedException} while the client has no unknown-token attempt left. */
    public void admit(String client) {
        Allowance allowance = clients.get(key(client));
        long waitNanos = allowance == null ? 0 : allowance.waitNanos(perNano, burst, System.nanoTime());
        if (waitNanos > 0) {
            throw new DownloadRateLimitedException(Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L));
        }
    }

    /** Counts an unknown token the client presented. */
    public void unknownToken(String client) {
        clients.computeIfAbsent(key(client), c -> new Allowance(burst, System.nanoTime()))
                .take(perNano, burst, System.nanoTime());
    }

    /** Forgets clients that have not guessed for an hour (a full allowance, as a new client has). */
    @Scheduled(every = "10m", delayed = "10m")
    void forgetIdle() {
        long now = System.nanoTime();
        clients.values().removeIf(a -> a.idleSince(now) > IDLE_NANOS);
    }

    private static String key(String client) {
        return client == null ? "" : client;
    }

    /** A token bucket of attempts with unknown tokens. */
    private static final class Allowance {
        private double left;
        private long updated;

        Allowance(double left, long now) {
            this.left = left;
            this.updated = now;
        }

        synchronized void take(double perNano, int burst, long now) {
            refill(perNano, burst, now);
            left = Math.max(0, left - 1);
        }

        /** 0 if an attempt is left, otherwise how many nanoseconds until one is. */
        synchronized long waitNanos(double perNano, int burst, long now) {
            refill(perNano, burst, now);
            return left >= 1 ? 0 : (long) Math.ceil((1 - left) / perNano);
        }

        synchronized long idleSince(long now) {
            return now - updated;
        }

        private void refill(double perNano, int burst, long now) {
            left = Math.min(burst, left + (now - updated) * perNano);
            updated = now;
        }
    }
}
