package dev.trainpod.deploy.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** The create-deployment benchmark's reference row ({@code bench_reference}): the least a create must write. */
@ApplicationScoped
public class BenchReferenceRepository {

    private final Pool pool;

    public BenchReferenceRepository(Pool pool) {
        this.pool = pool;
    }

    /** Inserts one row for the user; runs on its own. */
    public Uni<Void> insert(String userId) {
        return pool.preparedQuery("INSERT INTO bench_reference (id, user_id) VALUES ($1, $2)")
                .execute(Tuple.of(UUID.randomUUID(), userId)).replaceWithVoid();
    }
}
