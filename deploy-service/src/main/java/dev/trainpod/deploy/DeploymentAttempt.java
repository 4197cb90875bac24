package dev.trainpod.deploy;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * One pod a deployment ran on, recorded when the pod is confirmed terminated: a deployment recovered after a lost
 * pod has several, and its cost is their sum.
 */
@Entity
@Table(name = "deployment_attempt")
public class DeploymentAttempt {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;
    /** 1 for the first pod, 2 for the pod of the first recovery, and so on. */
    @Column(nullable = false)
    public int attempt;
    @Column(name = "pod_id", nullable = false)
    public String podId;
    @Column(name = "gpu_type")
    public String gpuType;
    @Column(name = "gpu_count")
    public Integer gpuCount;
    public String cloud;
    @Column(name = "cost_per_hour")
    public BigDecimal costPerHour;
    @Column(name = "started_at", nullable = false)
    public Instant startedAt;
    @Column(name = "ended_at", nullable = false)
    public Instant endedAt;
    @Column(name = "billed_seconds", nullable = false)
    public long billedSeconds;
    @Column(name = "cost_usd", nullable = false)
    public BigDecimal costUsd;
    /** Why the pod ended: LOST (replaced by a recovery), or the deployment's end status and reason. */
    @Column(name = "end_reason", nullable = false)
    public String endReason;
    /** The checkpoint step the pod resumed from; null: it started from the beginning. */
    @Column(name = "resumed_from_step")
    public Integer resumedFromStep;
    /**
     * Steps the pod added to the run beyond the checkpoint it resumed from: up to the last step for the pod that
     * finished the run, else up to the last checkpoint it stored (later steps were lost with it and run again).
     */
    @Column(name = "steps_gained")
    public Integer stepsGained;

    /** Attempt {@code n}: the deployment's current pod, which ended at {@code at} after {@code seconds} billed. */
    public static DeploymentAttempt of(Deployment d, int n, long seconds, BigDecimal cost, Instant at) {
        DeploymentAttempt a = new DeploymentAttempt();
        a.deploymentId = d.id;
        a.attempt = n;
        a.podId = d.podId;
        a.gpuType = d.gpuType;
        a.gpuCount = d.gpuCount;
        a.cloud = d.cloud;
        a.costPerHour = d.costPerHour;
        a.startedAt = d.podCreatedAt;
        a.endedAt = at;
        a.billedSeconds = seconds;
        a.costUsd = cost;
        a.endReason = d.status == DeploymentStatus.RECOVERING ? "LOST"
                : d.status.name() + (d.reason == null ? "" : " " + d.reason);
        a.resumedFromStep = d.resumedFromStep;
        a.stepsGained = stepsGained(d);
        return a;
    }

    /** See {@link #stepsGained}: what the deployment's current pod added, from what the deployment knows now. */
    static int stepsGained(Deployment d) {
        int from = d.resumedFromStep == null ? 0 : d.resumedFromStep;
        Integer kept = d.status == DeploymentStatus.SUCCEEDED && d.lastStep != null ? d.lastStep
                : d.lastCheckpointStep;
        return kept == null ? 0 : Math.max(0, kept - from);
    }
}
