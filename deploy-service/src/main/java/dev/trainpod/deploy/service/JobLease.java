package dev.trainpod.deploy.service;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.UUID;

/**
 * Leases in the database that let exactly one replica run a singleton job: a lease is taken when it is free or
 * lapsed, and renewed by its holder, all in one statement.
 */
@ApplicationScoped
public class JobLease {

    private static final String TAKE = """
            INSERT INTO job_lease (name, holder, held_until) VALUES ($1, $2, now() + make_interval(secs => $3))
            ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
            WHERE job_lease.held_until < now() OR job_lease.holder = EXCLUDED.holder
            RETURNING holder""";

    private final Pool pool;
    private final String holder = UUID.randomUUID().toString();

    public JobLease(Pool pool) {
        this.pool = pool;
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
}
