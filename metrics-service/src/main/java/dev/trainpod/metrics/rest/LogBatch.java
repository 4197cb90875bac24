package dev.trainpod.metrics.rest;

import java.util.List;

/** The JSON body of {@code POST /api/v1/jobs/{id}/logs}: lines in the order they were printed. */
public record LogBatch(List<String> lines) {
}
