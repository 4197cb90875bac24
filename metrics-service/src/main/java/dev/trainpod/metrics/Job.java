package dev.trainpod.metrics;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One deployment's training job as metrics-service knows it: owner, phase, heartbeat, outcome. */
@Entity
@Table(name = "jobs")
public class Job {

    @Id
    @Column(name = "deployment_id")
    public UUID deploymentId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(name = "total_steps")
    public Integer totalSteps;

    @Enumerated(EnumType.STRING)
    public JobPhase phase;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public JobStatus status;

    @Column(name = "pod_id")
    public String podId;

    @Column(name = "gpu_type")
    public String gpuType;

    @Column(name = "last_heartbeat_at")
    public Instant lastHeartbeatAt;

    @Column(name = "last_step")
    public Integer lastStep;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    @Column(name = "failure_reason")
    public String failureReason;

    @Column(name = "failure_message")
    public String failureMessage;

    @Column(name = "failed_phase")
    public String failedPhase;

    @Column(name = "exit_code")
    public Integer exitCode;

    @Column(name = "log_tail")
    public String logTail;

    @Column(name = "end_status")
    public String endStatus;

    @Column(name = "end_reason")
    public String endReason;

    @Column(name = "log_lines_stored", nullable = false)
    public int logLinesStored;

    @Column(name = "log_lines_dropped", nullable = false)
    public long logLinesDropped;

    /** Minutes the step may stand still while training before the watchdog fails the job; null: no limit. */
    @Column(name = "idle_minutes")
    public Integer idleMinutes;

    @Column(name = "training_started_at")
    public Instant trainingStartedAt;

    /** When the step last moved forward; the idle clock runs from here (or from the start of training). */
    @Column(name = "step_advanced_at")
    public Instant stepAdvancedAt;

    /** When dataset-service reported the pod's artifacts stored and final (ArtifactsStored); null: not yet. */
    @Column(name = "artifacts_stored_at")
    public Instant artifactsStoredAt;

    /** How many artifacts ArtifactsStored listed; null until it came. */
    @Column(name = "artifacts_stored")
    public Integer artifactsStored;
    /** The step of the newest checkpoint the job's pods stored off the pod (CheckpointStored); null: none yet. */
    @Column(name = "last_checkpoint_step")
    public Integer lastCheckpointStep;
    /** When dataset-service stored it. */
    @Column(name = "last_checkpoint_at")
    public Instant lastCheckpointAt;

    /** A job just announced by DeploymentRequested: active, no pod report yet. */
    public static Job expected(UUID deploymentId, String userId, Integer totalSteps, Integer idleMinutes,
                               Instant now) {
        Job job = new Job();
        job.deploymentId = deploymentId;
        job.userId = userId;
        job.totalSteps = totalSteps;
        job.idleMinutes = idleMinutes;
        job.status = JobStatus.ACTIVE;
        job.createdAt = now;
        return job;
    }

    /** Moves the last step forward (never back: points and heartbeats may arrive out of order). */
    public void advanceTo(Integer step, Instant now) {
        if (step != null && (lastStep == null || step > lastStep)) {
            lastStep = step;
            stepAdvancedAt = now;
        }
    }
}
