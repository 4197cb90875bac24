package dev.trainpod.metrics.rest;

/**
 * The answer to a metrics batch.
 *
 * @param accepted points stored now
 * @param duplicates points whose step the job already had (a retried batch), left as they were
 */
public record MetricBatchAccepted(int accepted, int duplicates) {
}
