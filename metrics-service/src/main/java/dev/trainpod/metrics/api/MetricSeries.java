package dev.trainpod.metrics.api;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A job's metric points in step order.
 *
 * @param downsampled true when points were left out to stay within the requested count: the series is cut into
 *                    buckets of consecutive steps and each keeps its lowest- and highest-loss point, so spikes,
 *                    dips, the first and the last point survive
 */
@Schema(description = "A job's metric points in step order.")
public record MetricSeries(@Schema(description = "The points, in step order.") List<MetricPoint> points,
                           @Schema(description = "True when points were left out to stay within maxPoints (each bucket keeps its"
                                   + " lowest- and highest-loss point).") boolean downsampled) {
}
