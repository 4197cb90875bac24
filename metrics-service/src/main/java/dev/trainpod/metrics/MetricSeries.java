package dev.trainpod.metrics;

import java.util.List;

/**
 * A job's metric points in step order.
 *
 * @param downsampled true when points were left out to stay within the requested count: the series is cut into
 *                    buckets of consecutive steps and each keeps its lowest- and highest-loss point, so spikes,
 *                    dips, the first and the last point survive
 */
public record MetricSeries(List<MetricPoint> points, boolean downsampled) {
}
