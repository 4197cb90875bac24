package dev.trainpod.metrics.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer to a metrics batch.
 *
 * @param accepted points stored now
 * @param duplicates points whose step the job already had (a retried batch), left as they were
 */
@Schema(description = "What was stored of a metrics batch.")
public record MetricBatchAccepted(@Schema(description = "Points stored now.") int accepted,
                                  @Schema(description = "Points whose step the job already had, left as they were.") int duplicates) {
}
