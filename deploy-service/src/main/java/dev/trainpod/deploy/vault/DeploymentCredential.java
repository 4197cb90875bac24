package dev.trainpod.deploy.vault;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/**
 * Which RunPod credential a deployment's pod is created, read and terminated with: bound when provisioning opens
 * the key, before the create call, so that no pod exists without it.
 */
@Entity
@Table(name = "deployment_credential")
public class DeploymentCredential extends PanacheEntityBase {

    @Id
    @Column(name = "deployment_id")
    public UUID deploymentId;
    @Column(name = "credential_id", nullable = false)
    public UUID credentialId;
}
