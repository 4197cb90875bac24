package dev.trainpod.common.job;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Leases in the service's database (table {@code lease}, common migration V0_4) that let exactly one replica run a
 * singleton job: a lease is taken when it is free or lapsed, and renewed by its holder, all in one statement. Every
 * periodic sweep that must run on one replica at a time runs through {@link #whileHeld}: deploy-service's reconciler,
 * dataset-service's cleanup, metrics-service's watchdog and retention. deploy-service also keeps each replica's
 * liveness as a lease ({@code replica:<id>}).
 */
@ApplicationScoped
public class JobLease {

    private static final Logger LOG = Logger.getLogger(JobLease.class);

    private static final String TAKE = """
            INSERT INTO lease (name, holder, held_until) VALUES ($1, $2, now() + make_interval(secs => $3))
            ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
            WHERE lease.held_until < now() OR lease.holder = EXCLUDED.holder
            RETURNING holder""";

    private static final String RELEASE = "DELETE FROM lease WHERE holder = $1 AND name = ANY($2)";

    private final Pool pool;
    private final String holder;
    /** The sweeps' leases this replica took, given up when it stops so another replica need not wait them out. */
    private final Set<String> sweeps = ConcurrentHashMap.newKeySet();

    @Inject
    public JobLease(Pool pool) {
        this(pool, UUID.randomUUID().toString());
    }

    /** A holder with its own id: tests stand for two replicas with two of these on one database. */
    public JobLease(Pool pool, String holder) {
        this.pool = pool;
        this.holder = holder;
    }

    /** This replica's id, as it holds leases. */
    public String holder() {
        return holder;
    }

    /** Takes or renews the lease for {@code ttl}; true if this replica holds it now. */
    public Uni<Boolean> take(String name, Duration ttl) {
        return pool.preparedQuery(TAKE).execute(Tuple.of(name, holder, ttl.toMillis() / 1000.0))
                .map(rows -> rows.size() == 1);
    }

    /**
     * Runs one pass of a singleton sweep if this replica takes or holds the lease {@code name} for {@code ttl} (the
     * sweep's interval: the holder renews it each pass, and another replica takes over once a dead holder's lease
     * lapsed); another replica's pass is skipped. The item is whether the pass ran here.
     */
    public Uni<Boolean> whileHeld(String name, Duration ttl, Supplier<Uni<?>> pass) {
        return take(name, ttl).chain(held -> {
            if (!held) {
                LOG.debugf("%s: another replica holds its lease, skipping this pass", name);
                return Uni.createFrom().item(Boolean.FALSE);
            }
            sweeps.add(name);
            return Uni.createFrom().deferred(pass).replaceWith(Boolean.TRUE);
        });
    }

    /** Gives up the sweeps' leases when the service stops (not the liveness lease: its claims must lapse first). */
    void release(@Observes ShutdownEvent stop) {
        if (sweeps.isEmpty()) {
            return;
        }
        try {
            pool.preparedQuery(RELEASE).execute(Tuple.of(holder, sweeps.toArray(String[]::new)))
                    .await().atMost(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.debugf("could not give up the sweeps' leases, they lapse: %s", e.getMessage());
        }
    }
}
