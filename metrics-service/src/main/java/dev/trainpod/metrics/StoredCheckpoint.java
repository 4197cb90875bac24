package dev.trainpod.metrics;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A checkpoint one of the job's pods stored off the pod (dataset-service's {@code CheckpointStored}), kept so that
 * the live stream sends it as a {@code checkpoint} event and can replay it after a reconnect.
 */
@Entity
@Table(name = "stored_checkpoints")
public class StoredCheckpoint {

    /** From the sequence shared with points, log lines and phase changes: the stream's event id. */
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long seq;

    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;

    /** The training step the checkpoint holds. */
    @Column(nullable = false)
    public int step;

    /** When dataset-service stored it. */
    @Column(name = "stored_at", nullable = false)
    public Instant storedAt;

    public static StoredCheckpoint of(UUID deploymentId, int step, Instant storedAt) {
        StoredCheckpoint c = new StoredCheckpoint();
        c.deploymentId = deploymentId;
        c.step = step;
        c.storedAt = storedAt;
        return c;
    }
}
