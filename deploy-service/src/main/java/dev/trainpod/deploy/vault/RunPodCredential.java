package dev.trainpod.deploy.vault;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * One RunPod API key a user stored, sealed like every secret; the user's current key is the newest one not retired.
 * A retired credential is never used for a new pod, but still reads and terminates the pods it created.
 */
@Entity
@Table(name = "runpod_credential")
public class RunPodCredential extends PanacheEntityBase {

    @Id
    public UUID id;
    @Column(name = "user_id", nullable = false)
    public String userId;
    @Column(name = "key_id", nullable = false)
    public String keyId;
    @Column(nullable = false)
    public byte[] nonce;
    @Column(nullable = false)
    public byte[] ciphertext;
    @Column(nullable = false)
    public String last4;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
    /** When a newer key replaced it or the user deleted it; null while it is the user's current key. */
    @Column(name = "retired_at")
    public Instant retiredAt;

    SecretCipher.Sealed sealed() {
        return new SecretCipher.Sealed(keyId, nonce, ciphertext);
    }
}
