package dev.trainpod.common.http;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * How large a JSON body may be, and how slowly a client may send a request body, before {@link RequestBodyGuard}
 * cuts it off ({@code trainpod.http.*}).
 */
@ConfigMapping(prefix = "trainpod.http")
public interface RequestBodyConfig {

    /** How often a body that is still arriving is checked; default 10s. */
    @WithDefault("10s")
    Duration bodyCheckInterval();

    /** The least a body must advance between two checks; default 1K (about 100 bytes a second). */
    @WithDefault("1K")
    MemorySize minBodyBytesPerInterval();

    /**
     * The largest JSON body ({@code application/json}) any route takes, where the service's
     * {@code quarkus.http.limits.max-body-size} is set for files far larger; default that limit.
     */
    Optional<MemorySize> maxJsonBodySize();
}
