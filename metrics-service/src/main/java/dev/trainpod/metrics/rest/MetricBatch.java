package dev.trainpod.metrics.rest;

import dev.trainpod.metrics.MetricPoint;
import java.util.List;

/** The body of {@code POST /api/v1/jobs/{id}/metrics}: at most 1000 points (configurable), any step order. */
public record MetricBatch(List<MetricPoint> points) {
}
