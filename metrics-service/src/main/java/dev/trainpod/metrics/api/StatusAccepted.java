package dev.trainpod.metrics.api;

import dev.trainpod.metrics.JobPhase;
import dev.trainpod.metrics.JobStatus;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer to a status report: where the job stands now. A pod that reported {@code TRAINING} but reads
 * {@code FAILED} here learns that its job was already failed (by itself earlier, or by deploy-service).
 */
@Schema(description = "Where the job stands after the report.")
public record StatusAccepted(@Schema(description = "The job's phase.") JobPhase phase, @Schema(description = "The job's status.") JobStatus status) {
}
