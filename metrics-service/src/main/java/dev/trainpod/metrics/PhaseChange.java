package dev.trainpod.metrics;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A change of a job's phase or status, kept so that the live stream can replay it after a reconnect. */
@Entity
@Table(name = "phase_changes")
public class PhaseChange {

    /** From the sequence shared with points and log lines: the stream's event id. */
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long seq;

    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;

    public String phase;

    @Column(nullable = false)
    public String status;

    public String reason;

    public String message;

    @Column(nullable = false)
    public Instant time;

    /** The job's phase, status and (for a failure or an end) reason and message as they stand now. */
    public static PhaseChange of(Job job, Instant now) {
        PhaseChange change = new PhaseChange();
        change.deploymentId = job.deploymentId;
        change.phase = job.phase == null ? null : job.phase.name();
        change.status = job.status.name();
        change.reason = job.status == JobStatus.ENDED ? job.endReason : job.failureReason;
        change.message = job.status == JobStatus.FAILED ? job.failureMessage : null;
        change.time = now;
        return change;
    }
}
