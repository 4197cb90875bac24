package dev.trainpod.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A file a deployment's pod uploaded (a model, an adapter, a log), owned by the deployment's user. */
@Entity
@Table(name = "artifacts")
public class Artifact {

    @Id
    public UUID id;

    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    /** The pod's name for it; only ever shown, never part of a path (the file is named by {@link #id}). */
    @Column(nullable = false)
    public String name;

    /** Bytes received so far; the artifact's size once complete. */
    @Column(nullable = false)
    public long bytes;

    /** The size a {@code Content-Range} announced; null while no chunk has said. */
    @Column(name = "total_bytes")
    public Long totalBytes;

    /** SHA-256 hex, set once complete. */
    public String sha256;

    @Column(nullable = false)
    public boolean complete;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Where the complete artifact is kept in the blob store. */
    public String storageKey() {
        return "artifacts/" + id;
    }
}
