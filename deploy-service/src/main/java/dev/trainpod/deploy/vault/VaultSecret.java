package dev.trainpod.deploy.vault;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/** One user's secret of one kind, sealed with AES-256-GCM; only its last four characters are kept in clear. */
@Entity
@Table(name = "vault_secret")
@IdClass(VaultSecret.Key.class)
public class VaultSecret extends PanacheEntityBase {

    @Id
    @Column(name = "user_id")
    public String userId;
    @Id
    @Enumerated(EnumType.STRING)
    public SecretKind kind;
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

    /** The primary key: user and kind. */
    public static class Key implements Serializable {

        public String userId;
        public SecretKind kind;

        public Key() {
        }

        public Key(String userId, SecretKind kind) {
            this.userId = userId;
            this.kind = kind;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(userId, k.userId) && kind == k.kind;
        }

        @Override
        public int hashCode() {
            return Objects.hash(userId, kind);
        }
    }
}
