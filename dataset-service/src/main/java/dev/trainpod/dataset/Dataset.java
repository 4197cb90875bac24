package dev.trainpod.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A stored, validated dataset file that belongs to one user. */
@Entity
@Table(name = "datasets")
public class Dataset {

    @Id
    public UUID id;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public long bytes;

    @Column(nullable = false)
    public String sha256;

    /** One of {@link dev.trainpod.dataset.validation.DatasetFormat}'s names. */
    @Column(nullable = false)
    public String format;

    @Column(name = "row_count", nullable = false)
    public long rows;

    @Column(name = "estimated_tokens", nullable = false)
    public long estimatedTokens;

    /** The first reported validation errors, as a JSON array of {@code {"line","message"}}. */
    @Column(nullable = false, columnDefinition = "text")
    public String errors;

    @Column(name = "error_count", nullable = false)
    public long errorCount;

    /** Where the file lies, relative to the storage directory. */
    @Column(name = "storage_path", nullable = false)
    public String storagePath;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
