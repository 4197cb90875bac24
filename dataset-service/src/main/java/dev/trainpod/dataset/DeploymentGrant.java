package dev.trainpod.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * What one deployment may download (its user and dataset) and whether it has ended; learnt from
 * {@code DeploymentRequested} or from the first token minted for it, closed by its terminal event.
 */
@Entity
@Table(name = "deployment_grants")
public class DeploymentGrant {

    @Id
    @Column(name = "deployment_id")
    public UUID deploymentId;

    /** Null while only the deployment's end is known. */
    @Column(name = "user_id")
    public String userId;

    @Column(name = "dataset_id")
    public UUID datasetId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "ended_at")
    public Instant endedAt;
}
