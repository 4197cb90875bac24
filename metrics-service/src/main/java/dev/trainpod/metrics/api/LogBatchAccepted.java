package dev.trainpod.metrics.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer to a batch of log lines.
 *
 * @param accepted lines stored now (a batch larger than the per-job limit keeps only its last lines)
 */
@Schema(description = "What was stored of a batch of log lines.")
public record LogBatchAccepted(@Schema(description = "Lines stored now (an over-long batch keeps only its last lines).") int accepted) {
}
