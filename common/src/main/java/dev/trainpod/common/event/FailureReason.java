package dev.trainpod.common.event;

/** Why a deployment ended without success; the names are part of the public contract. */
public enum FailureReason {
    FAILED_PRECHECKS,
    FAILED_NO_CAPACITY,
    FAILED_PROVIDER,
    FAILED_DATASET,
    FAILED_TRAINING,
    FAILED_HEARTBEAT_LOST,
    FAILED_MAX_RUNTIME,
    FAILED_BUDGET,
    FAILED_IDLE,
    CANCELLED_BY_USER
}
