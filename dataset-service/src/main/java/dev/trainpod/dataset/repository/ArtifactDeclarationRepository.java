package dev.trainpod.dataset.repository;

import dev.trainpod.dataset.ArtifactDeclaration;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** Artifact declarations, one per deployment, found by deployment id. */
@ApplicationScoped
public class ArtifactDeclarationRepository implements PanacheRepositoryBase<ArtifactDeclaration, UUID> {
}
