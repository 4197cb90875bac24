package dev.trainpod.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A pod's declaration that its deployment's artifacts are final: recorded once, with the {@code ArtifactsStored}
 * event published in the same transaction.
 */
@Entity
@Table(name = "artifact_declarations")
public class ArtifactDeclaration {

    @Id
    @Column(name = "deployment_id")
    public UUID deploymentId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    /** The published event's JSON body. */
    @Column(nullable = false)
    public String event;

    @Column(name = "declared_at", nullable = false)
    public Instant declaredAt;
}
