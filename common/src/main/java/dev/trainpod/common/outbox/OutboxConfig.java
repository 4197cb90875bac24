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

    /**
     * Whether the relay LISTENs on the outbox channel over a connection of its own, so a commit by any replica
     * wakes it at once (the table's trigger sends the NOTIFY, common migration V0_5); default true. Off, or while
     * that connection is down, the relay runs on its timer alone.
     */
    @WithDefault("true")
    boolean listen();

    /** The first wait before the LISTEN connection is opened again after it dropped; doubles per failed try. */
    @WithDefault("100ms")
    Duration listenReconnectMin();

    /** The longest wait between two tries to open the LISTEN connection again; default 10 s. */
    @WithDefault("10s")
    Duration listenReconnectMax();

    /**
     * How often the LISTEN connection is checked with a query (a connection that a network device dropped without
     * a word would otherwise look open); one not answered within this period is closed and opened again; 30 s.
     */
    @WithDefault("30s")
    Duration listenCheckInterval();
}
