package dev.trainpod.deploy.repository;

import dev.trainpod.deploy.DeploymentAttempt;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** The pods each deployment ran on, first to last. */
@ApplicationScoped
public class AttemptRepository implements PanacheRepositoryBase<DeploymentAttempt, Long> {

    public Uni<List<DeploymentAttempt>> of(UUID deploymentId) {
        return find("deploymentId = ?1 order by attempt", deploymentId).list();
    }

    /** How many pods the deployment has run on so far. */
    public Uni<Long> countOf(UUID deploymentId) {
        return count("deploymentId", deploymentId);
    }
}
