package dev.trainpod.common.event;

/**
 * Why a deployment ended without success; the names are part of the public contract. Each rule has its own code,
 * and each code one owner: {@link #FAILED_IDLE} is metrics-service's watchdog (no training step for the job's idle
 * minutes), {@link #FAILED_GPU_IDLE} deploy-service's reaper (every GPU under the utilisation threshold, as RunPod
 * reports it).
 */
public enum FailureReason {
    FAILED_PRECHECKS,
    FAILED_NO_CAPACITY,
    FAILED_PROVIDER,
    FAILED_DATASET,
    FAILED_TRAINING,
    FAILED_HEARTBEAT_LOST,
    FAILED_MAX_RUNTIME,
    FAILED_BUDGET,
    /** metrics-service's watchdog: training reported no new step for the job's idle minutes. */
    FAILED_IDLE,
    /** deploy-service's reaper: every GPU stayed under the utilisation threshold for the idle minutes. */
    FAILED_GPU_IDLE,
    CANCELLED_BY_USER
}
