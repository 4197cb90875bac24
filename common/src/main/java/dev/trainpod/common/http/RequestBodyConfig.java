package dev.trainpod.common.http;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How slowly a client may send a request body before {@link RequestBodyGuard} cuts it off ({@code trainpod.http.*}). */
@ConfigMapping(prefix = "trainpod.http")
public interface RequestBodyConfig {

    /** How often a body that is still arriving is checked; default 10s. */
    @WithDefault("10s")
    Duration bodyCheckInterval();

    /** The least a body must advance between two checks; default 1K (about 100 bytes a second). */
    @WithDefault("1K")
    MemorySize minBodyBytesPerInterval();
}
