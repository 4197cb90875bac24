package dev.trainpod.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A resumable (tus-style) dataset upload: its declared length, how much has arrived, and the dataset it became. */
@Entity
@Table(name = "uploads")
public class Upload {

    @Id
    public UUID id;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(nullable = false)
    public String name;

    /** The file's size in bytes, declared when the upload was created. */
    @Column(nullable = false)
    public long length;

    /** How many bytes have arrived and are staged. */
    @Column(name = "upload_offset", nullable = false)
    public long offset;

    /** The dataset the complete upload became; null while bytes are missing. */
    @Column(name = "dataset_id")
    public UUID datasetId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
