package dev.trainpod.metrics.rest;

import dev.trainpod.metrics.JobPhase;
import dev.trainpod.metrics.JobStatus;

/**
 * The answer to a status report: where the job stands now. A pod that reported {@code TRAINING} but reads
 * {@code FAILED} here learns that its job was already failed (by itself earlier, or by deploy-service).
 */
public record StatusAccepted(JobPhase phase, JobStatus status) {
}
