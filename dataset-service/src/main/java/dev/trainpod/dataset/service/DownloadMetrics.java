package dev.trainpod.dataset.service;

import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.common.ratelimit.RateLimitedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Download tokens and what they served, for Prometheus: {@code trainpod_download_tokens_minted_total},
 * {@code trainpod_download_tokens_used_total} (a GET from byte 0, which uses one of the token's uses),
 * {@code trainpod_download_tokens_refused_total{status}} (404 unknown or expired, 410 used up, 429 a client that
 * guessed too many, 416 a bad range) and {@code trainpod_download_served_bytes_total}.
 * Created at start ({@link Startup}), so that its series exist before the first event.
 */
@Startup
@ApplicationScoped
public class DownloadMetrics {

    private final MeterRegistry registry;
    private final Counter minted;
    private final Counter used;
    private final Counter bytes;

    public DownloadMetrics(MeterRegistry registry) {
        this.registry = registry;
        minted = Counter.builder("trainpod.download.tokens.minted").description("Download tokens minted")
                .register(registry);
        used = Counter.builder("trainpod.download.tokens.used")
                .description("Downloads from byte 0, each using one of its token's uses").register(registry);
        bytes = Counter.builder("trainpod.download.served").baseUnit("bytes")
                .description("Dataset bytes sent to pods").register(registry);
        refusedCounter("404");
    }

    /** A token minted. */
    public void minted() {
        minted.increment();
    }

    /** A GET answered: {@code length} bytes to send, using a token use if it starts at byte 0. */
    public void served(long length, boolean fromStart) {
        if (fromStart) {
            used.increment();
        }
        bytes.increment(Math.max(0, length));
    }

    /** A download refused; the status label comes from the problem (500 for anything else). */
    public void refused(Throwable e) {
        String status = e instanceof ProblemException p ? String.valueOf(p.problem().status())
                : e instanceof RateLimitedException ? "429"
                : e instanceof RangeNotSatisfiableException ? "416" : "500";
        refusedCounter(status).increment();
    }

    private Counter refusedCounter(String status) {
        return Counter.builder("trainpod.download.tokens.refused").tag("status", status)
                .description("Download requests refused, by HTTP status").register(registry);
    }
}
