package dev.trainpod.dataset.service;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.ratelimit.KeyedRateLimiter;
import dev.trainpod.dataset.config.DatasetConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Stops a client from guessing download tokens: each client address ({@link dev.trainpod.common.http.ClientAddress},
 * an IPv6 /64 counting as one) may present {@code trainpod.dataset.download-guess-burst} unknown tokens at once,
 * refilled at {@code trainpod.dataset.download-guesses-per-minute}; while its allowance is spent, every download it
 * asks for is refused with 429, a valid token's too. Tokens that are found cost nothing, so a pod that downloads its
 * dataset never meets the limit. In memory, per replica, for at most {@code trainpod.dataset.download-guard-capacity}
 * addresses ({@code trainpod_download_guard_clients}); with 256-bit tokens it only has to make guessing pointless.
 */
@ApplicationScoped
public class DownloadGuard {

    private final KeyedRateLimiter guesses;

    @Inject
    public DownloadGuard(DatasetConfig config, MeterRegistry registry) {
        this(config.downloadGuessBurst(), config.downloadGuessesPerMinute(), config.downloadGuardCapacity());
        Gauge.builder("trainpod.download.guard.clients", guesses, KeyedRateLimiter::size)
                .description("Client addresses the download guard remembers").register(registry);
    }

    DownloadGuard(int burst, double perMinute, int capacity) {
        this.guesses = new KeyedRateLimiter(burst, perMinute / 60, capacity,
                seconds -> Problem.of(429, "download-rate-limited", "Too many requests",
                        "Too many download links that do not exist were tried from this address; retry after "
                                + seconds + " s with a valid link."));
    }

    /** Fails with a 429 {@link dev.trainpod.common.ratelimit.RateLimitedException} while the client has no attempt left. */
    public void admit(String client) {
        guesses.check(client);
    }

    /** Counts an unknown token the client presented. */
    public void unknownToken(String client) {
        guesses.take(client);
    }

    /** How many client addresses are remembered. */
    public int clients() {
        return guesses.size();
    }
}
