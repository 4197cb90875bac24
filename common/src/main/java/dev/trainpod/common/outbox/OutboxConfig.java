package dev.trainpod.common.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the transactional outbox relay. */
@ConfigMapping(prefix = "trainpod.outbox")
public interface OutboxConfig {

    /** How often the relay looks for committed events to publish; default 200 ms. */
    @WithDefault("200ms")
    Duration relayInterval();

    /** How many pending events one relay cycle publishes at most; default 200. */
    @WithDefault("200")
    int batchSize();

    /** How long a send may wait for the broker before the cycle gives up and retries later; default 5 s. */
    @WithDefault("5s")
    Duration sendTimeout();

    /** How long published rows are kept before they are purged; default 1 day. */
    @WithDefault("24h")
    Duration retention();
}
