package dev.trainpod.metrics.rest;

/**
 * The answer to a batch of log lines.
 *
 * @param accepted lines stored now (a batch larger than the per-job limit keeps only its last lines)
 */
public record LogBatchAccepted(int accepted) {
}
