package dev.trainpod.metrics.api;

import dev.trainpod.metrics.api.MetricPoint;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of {@code POST /api/v1/jobs/{id}/metrics}: at most 1000 points (configurable), any step order. */
@Schema(description = "Metric points to store.")
public record MetricBatch(@Schema(description = "At most 1000 points (configurable), any step order.") List<MetricPoint> points) {
}
