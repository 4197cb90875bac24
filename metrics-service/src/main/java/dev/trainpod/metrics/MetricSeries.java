package dev.trainpod.metrics;

import java.util.List;

/**
 * A job's metric points in step order.
 *
 * @param downsampled true when points were left out to stay within the requested count (every n-th point is
 *                    kept, and always the last one)
 */
public record MetricSeries(List<MetricPoint> points, boolean downsampled) {
}
