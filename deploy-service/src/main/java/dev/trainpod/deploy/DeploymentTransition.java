package dev.trainpod.deploy;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One status change of a deployment, kept so the user can read its history. */
@Entity
@Table(name = "deployment_transition")
public class DeploymentTransition {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public DeploymentStatus status;
    public String reason;
    @Column(columnDefinition = "text")
    public String message;
    @Column(nullable = false)
    public Instant at;
}
