package dev.trainpod.deploy.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How deploy-service calls RunPod; the base URL itself is {@code quarkus.rest-client.runpod.url} ({@code RUNPOD_API_URL}). */
@ConfigMapping(prefix = "trainpod.runpod")
public interface RunPodConfig {

    /** Attempts per call, the first included, for 5xx, timeouts and 429; default 5. */
    @WithDefault("5")
    int maxAttempts();

    /** First backoff pause, doubled per attempt; default 500 ms. */
    @WithDefault("500ms")
    Duration backoffBase();

    /** Longest backoff pause; default 10 s. */
    @WithDefault("10s")
    Duration backoffMax();

    /** Longest wait honoured from a {@code Retry-After} header; default 60 s. */
    @WithDefault("60s")
    Duration maxRetryAfter();

    /** The RunPod API base the pod uses to terminate itself; default the API deploy-service uses. */
    @WithDefault("${quarkus.rest-client.runpod.url}")
    String podApiUrl();
}
