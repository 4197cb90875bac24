package dev.trainpod.deploy.vault;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A user's RunPod API key, sealed with AES-256-GCM; only its last four characters are kept in clear. */
@Entity
@Table(name = "runpod_key")
public class RunPodKey extends PanacheEntityBase {

    @Id
    @Column(name = "user_id")
    public String userId;
    @Column(name = "key_id", nullable = false)
    public String keyId;
    @Column(nullable = false)
    public byte[] nonce;
    @Column(nullable = false)
    public byte[] ciphertext;
    @Column(nullable = false)
    public String last4;
    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
