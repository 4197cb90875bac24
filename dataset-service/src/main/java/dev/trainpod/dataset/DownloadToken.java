package dev.trainpod.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A time-limited, use-limited right for one deployment's pod to download one dataset; kept only as a hash. */
@Entity
@Table(name = "download_tokens")
public class DownloadToken {

    @Id
    public UUID id;

    /** SHA-256 hex of the opaque token handed out once at minting. */
    @Column(name = "token_hash", nullable = false, unique = true)
    public String tokenHash;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(name = "dataset_id", nullable = false)
    public UUID datasetId;

    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Column(name = "max_uses", nullable = false)
    public int maxUses;

    /** Downloads started from byte 0; resumed ranges of a started download do not count. */
    @Column(nullable = false)
    public int uses;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "first_used_at")
    public Instant firstUsedAt;
}
