package dev.trainpod.metrics.api;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One training step's metrics, as the pod sends it and as users read it back.
 *
 * @param step the optimizer step, 0 or more; a job has at most one point per step
 * @param time when the trainer measured it; the time of receipt when the pod leaves it out
 * @param extra every other field of the JSON object (e.g. {@code gpuMemoryMb}), kept by name
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "One metric point of a training step; other named numbers are kept as they come.")
public record MetricPoint(
        @Schema(description = "The training step, 0 or more; one point per step.", minimum = "0") Integer step,
        @Schema(description = "The epoch, fractional, 0 or more.", minimum = "0") Double epoch,
        @Schema(description = "The training loss (finite).") Double loss,
        @Schema(description = "The learning rate (finite, 0 or more).", minimum = "0") Double learningRate,
        @Schema(description = "The gradient norm (finite).") Double gradNorm,
        @Schema(description = "Throughput, in tokens per second.", minimum = "0") Double tokensPerSecond,
        @Schema(description = "When the point was measured (RFC 3339, UTC); the time it arrived when absent.") Instant time,
        @Schema(hidden = true) @JsonAnySetter @JsonAnyGetter Map<String, Object> extra) {
}
