package dev.trainpod.deploy;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.DynamicUpdate;

/**
 * A fine-tuning deployment: the accepted request, its status, its pod and what it cost. Its status changes only
 * through {@code DeploymentStateMachine}; every write is versioned and writes only the columns it changed, so a
 * writer with a stale copy fails rather than overwriting another's change.
 */
@Entity
@Table(name = "deployment")
@DynamicUpdate
public class Deployment {

    @Id
    public UUID id;
    @Column(name = "user_id", nullable = false)
    public String userId;
    @Column(name = "dataset_id", nullable = false)
    public UUID datasetId;
    /** The training dataset's SHA-256 when the deployment was accepted (its lineage); null before V9. */
    @Column(name = "dataset_sha256")
    public String datasetSha256;
    /** The best eval loss the run reported when it succeeded, if it evaluated. */
    @Column(name = "eval_loss")
    public Double evalLoss;
    @Column(name = "base_model", nullable = false)
    public String baseModel;
    @Column(nullable = false)
    public String method;
    /** The accepted request body as JSON, so a retry can repeat it exactly. */
    @Column(nullable = false, columnDefinition = "text")
    public String request;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public DeploymentStatus status;
    public String reason;
    @Column(columnDefinition = "text")
    public String message;
    @Column(name = "exit_code")
    public Integer exitCode;
    @Column(name = "log_tail", columnDefinition = "text")
    public String logTail;
    @Column(name = "pod_id")
    public String podId;
    @Column(name = "gpu_type")
    public String gpuType;
    @Column(name = "gpu_count")
    public Integer gpuCount;
    public String cloud;
    @Column(name = "cost_per_hour")
    public BigDecimal costPerHour;
    @Column(name = "billed_seconds")
    public Long billedSeconds;
    @Column(name = "cost_usd")
    public BigDecimal costUsd;
    @Column(name = "idempotency_key")
    public String idempotencyKey;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
    @Column(name = "pod_created_at")
    public Instant podCreatedAt;
    @Column(name = "ended_at")
    public Instant endedAt;
    @Column(name = "pod_terminated_at")
    public Instant podTerminatedAt;
    /** The cost estimate made when the deployment was accepted, as JSON. */
    @Column(columnDefinition = "text")
    public String estimate;
    /** The deployment this one repeats, when it was made by a retry. */
    @Column(name = "retry_of")
    public UUID retryOf;
    @Column(name = "idle_since")
    public Instant idleSince;
    @Column(name = "pod_missing_since")
    public Instant podMissingSince;
    /** While waiting for capacity: not claimed for provisioning before this time. */
    @Column(name = "next_attempt_at")
    public Instant nextAttemptAt;
    /** Rounds over all GPU candidates that found no capacity. */
    @Column(name = "capacity_rounds", nullable = false)
    public int capacityRounds;
    /** The replica that claimed the deployment for provisioning; while set, a create call may be in flight. */
    @Column(name = "claimed_by")
    public String claimedBy;
    /** When dataset-service announced the job's final artifacts stored; a watchdog cannot fail it after that. */
    @Column(name = "artifacts_stored_at")
    public Instant artifactsStoredAt;
    /** When {@code DeploymentEnded} was written to the outbox; it is written exactly once. */
    @Column(name = "ended_announced_at")
    public Instant endedAnnouncedAt;
    /** While set (and recent), one replica is terminating the pod; cleared when a recovery forgets the pod. */
    @Column(name = "termination_claimed_at")
    public Instant terminationClaimedAt;
    /** How many times a lost pod of the deployment was replaced. */
    @Column(nullable = false)
    public int recoveries;
    /** What the deployment's earlier pods billed, in seconds; the limits count them with the current pod. */
    @Column(name = "prior_billed_seconds", nullable = false)
    public long priorBilledSeconds;
    /** What the deployment's earlier pods cost, in USD. */
    @Column(name = "prior_cost_usd", nullable = false)
    public BigDecimal priorCostUsd = BigDecimal.ZERO;
    /** When a recovered deployment went back to PENDING; null for one never recovered. */
    @Column(name = "provisioning_since")
    public Instant provisioningSince;
    /** The step of the newest checkpoint its pods stored at dataset-service (CheckpointStored); null: none yet. */
    @Column(name = "last_checkpoint_step")
    public Integer lastCheckpointStep;
    /** When that checkpoint was stored. */
    @Column(name = "last_checkpoint_at")
    public Instant lastCheckpointAt;
    /** The checkpoint step the current pod was given to resume from (the newest stored); null: from the start. */
    @Column(name = "resumed_from_step")
    public Integer resumedFromStep;
    /** The highest step the run reported, from its success (TrainingSucceeded); null until then. */
    @Column(name = "last_step")
    public Integer lastStep;
    @Version
    @Column(nullable = false)
    public long version;

    /** Since when the deployment has been waiting for its current pod: the deadlines to get one run from then. */
    public Instant provisioningBase() {
        return provisioningSince != null ? provisioningSince : createdAt;
    }

    /** The accepted request as the value the rest of the service reads. */
    public JobSpec spec() {
        return JobSpec.parse(id, request);
    }
}
