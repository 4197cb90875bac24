package dev.trainpod.deploy.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/** The installation's own row: the random id the first start stored, which names this installation's pods. */
@ApplicationScoped
public class InstallationRepository {

    private final Pool pool;

    public InstallationRepository(Pool pool) {
        this.pool = pool;
    }

    /** The stored installation id; runs on its own. */
    public Uni<String> id() {
        return pool.query("SELECT id FROM installation").execute().map(rows -> rows.iterator().next().getString("id"));
    }
}
