package dev.trainpod.common.outbox;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Wakes this replica's {@link OutboxRelay} whenever any replica commits an outbox row.
 *
 * <p>Common migration V0_5 has every statement that inserts into {@code outbox_event} send
 * {@code NOTIFY trainpod_outbox}, which PostgreSQL delivers only when (and if) the transaction commits. This bean
 * keeps one connection of its own (not one of the pool's; {@code application_name} {@value #APPLICATION_NAME})
 * LISTENing on that channel and wakes the relay on each notification, so an event leaves within a round trip of
 * its commit whichever replica or path wrote it, this replica's own commits included. When the connection drops it
 * is opened again with backoff ({@code trainpod.outbox.listen-reconnect-min} doubling to {@code -max}), and once it
 * listens again the relay is woken for whatever was committed meanwhile; an idle connection is checked every
 * {@code trainpod.outbox.listen-check-interval}. The relay's timer goes on throughout, so a lost LISTEN connection
 * only makes events slower to leave, never lost. {@code trainpod.outbox.listen=false} turns this off.
 */
@ApplicationScoped
public class OutboxListener {

    /** The channel that common migration V0_5's trigger notifies. */
    public static final String CHANNEL = "trainpod_outbox";
    /** The {@code application_name} of the LISTEN connection, as {@code pg_stat_activity} shows it. */
    public static final String APPLICATION_NAME = "trainpod-outbox-listen";

    private static final Logger LOG = Logger.getLogger(OutboxListener.class);

    private final OutboxRelay relay;
    private final OutboxConfig config;
    private final Optional<String> url;
    private final Optional<String> user;
    private final Optional<String> password;
    private Vertx vertx;
    private PgConnectOptions options;
    private PgConnection connection;
    private boolean stopped;
    private int failures;
    private boolean downLogged;
    private boolean announced;
    private long checkTimer = -1;
    private volatile boolean listening;

    public OutboxListener(OutboxRelay relay, OutboxConfig config, MeterRegistry registry,
                          @ConfigProperty(name = "quarkus.datasource.reactive.url") Optional<String> url,
                          @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
                          @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.relay = relay;
        this.config = config;
        this.url = url;
        this.user = user;
        this.password = password;
        Gauge.builder("trainpod.outbox.listening", this, l -> l.listening ? 1 : 0)
                .description("1 while the outbox relay LISTENs for commits, 0 while it runs on its timer alone")
                .register(registry);
    }

    /** Whether the LISTEN connection is up and listening now. */
    public boolean listening() {
        return listening;
    }

    void start(@Observes StartupEvent startup, Vertx vertx) {
        if (!config.listen()) {
            return;
        }
        options = connectOptions();
        if (options == null) {
            LOG.warn("outbox relay: no quarkus.datasource.reactive.url to LISTEN on; the relay runs on its timer");
            return;
        }
        synchronized (this) {
            this.vertx = vertx;
            checkTimer = vertx.setPeriodic(config.listenCheckInterval().toMillis(), id -> check());
        }
        connect();
    }

    /** The pool's database, user and password, on a connection named for {@code pg_stat_activity}. */
    private PgConnectOptions connectOptions() {
        String first = url.map(u -> u.split(",")[0].trim()).filter(u -> !u.isEmpty()).orElse(null);
        if (first == null) {
            return null;
        }
        PgConnectOptions o = PgConnectOptions.fromUri(first.replaceFirst("^vertx-reactive:", ""));
        user.ifPresent(o::setUser);
        password.ifPresent(o::setPassword);
        o.addProperty("application_name", APPLICATION_NAME);
        o.setTcpKeepAlive(true);
        return o;
    }

    private void connect() {
        synchronized (this) {
            if (stopped) {
                return;
            }
        }
        PgConnection.connect(vertx, options).onComplete(opened -> {
            if (opened.failed()) {
                retry(opened.cause().getMessage());
                return;
            }
            PgConnection conn = opened.result();
            synchronized (this) {
                if (stopped) {
                    conn.close();
                    return;
                }
                connection = conn;
            }
            conn.notificationHandler(n -> relay.wake());
            conn.closeHandler(v -> dropped(conn));
            conn.query("LISTEN " + CHANNEL).execute().onComplete(listen -> {
                if (listen.succeeded()) {
                    subscribed();
                } else {
                    LOG.warnf("outbox relay: LISTEN %s failed: %s", CHANNEL, listen.cause().getMessage());
                    conn.close(); // its close handler tries again, with backoff
                }
            });
        });
    }

    private void subscribed() {
        synchronized (this) {
            failures = 0;
            listening = true;
            if (downLogged) {
                downLogged = false;
                LOG.info("outbox relay: LISTEN connection back; commits wake the relay again");
            } else if (!announced) {
                announced = true;
                LOG.infof("outbox relay: LISTENing on %s; commits wake the relay", CHANNEL);
            }
        }
        relay.wake(); // rows committed while nothing listened leave now, not at the next tick
    }

    private void dropped(PgConnection conn) {
        synchronized (this) {
            if (connection != conn) {
                return;
            }
            connection = null;
        }
        retry("connection closed");
    }

    private synchronized void retry(String why) {
        listening = false;
        if (stopped) {
            return;
        }
        if (!downLogged) {
            downLogged = true;
            LOG.warnf("outbox relay: LISTEN connection down (%s); the relay runs on its %d ms timer until it is back",
                    why, config.relayInterval().toMillis());
        }
        long min = Math.max(1, config.listenReconnectMin().toMillis());
        long delay = Math.min(config.listenReconnectMax().toMillis(), min << Math.min(failures, 20));
        failures++;
        vertx.setTimer(Math.max(1, delay), id -> connect());
    }

    /** A query on the idle connection: one that fails or is not answered within the period is opened again. */
    private void check() {
        PgConnection conn;
        synchronized (this) {
            conn = listening ? connection : null;
        }
        if (conn == null) {
            return;
        }
        AtomicBoolean answered = new AtomicBoolean();
        long timeout = vertx.setTimer(config.listenCheckInterval().toMillis(), id -> {
            if (!answered.get()) {
                conn.close();
            }
        });
        conn.query("SELECT 1").execute().onComplete(ar -> {
            answered.set(true);
            vertx.cancelTimer(timeout);
            if (ar.failed()) {
                conn.close();
            }
        });
    }

    void stop(@Observes ShutdownEvent shutdown) {
        PgConnection conn;
        synchronized (this) {
            stopped = true;
            listening = false;
            conn = connection;
            connection = null;
            if (vertx != null && checkTimer >= 0) {
                vertx.cancelTimer(checkTimer);
            }
        }
        if (conn != null) {
            conn.close();
        }
    }
}
