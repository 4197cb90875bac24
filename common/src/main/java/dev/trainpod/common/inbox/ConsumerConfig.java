package dev.trainpod.common.inbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the lifecycle consumers' retries and dead letters (every service's {@link InboxProcessor}). */
@ConfigMapping(prefix = "trainpod.consumer")
public interface ConsumerConfig {

    /**
     * How long a failing event is retried (backoff 200 ms doubling to 10 s) before it goes to the dead-letter
     * table and the consumer moves on; default 5 min, long enough to ride out a database failover.
     */
    @WithDefault("5m")
    Duration retryBudget();

    /**
     * How much longer than the retry budget one event may stay in progress, outside the dead-letter write,
     * before liveness reports the consumer stalled (an attempt that never answers); default 2 min.
     */
    @WithDefault("2m")
    Duration stallGrace();
}
