package dev.trainpod.deploy.repository;

import dev.trainpod.deploy.DeploymentTransition;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** The recorded status changes of deployments, in the order they happened. */
@ApplicationScoped
public class TransitionRepository implements PanacheRepositoryBase<DeploymentTransition, Long> {

    public Uni<List<DeploymentTransition>> of(UUID deploymentId) {
        return find("deploymentId = ?1 order by id", deploymentId).list();
    }
}
