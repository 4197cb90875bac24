package dev.trainpod.metrics;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;

/**
 * One training step's metrics, as the pod sends it and as users read it back.
 *
 * @param step the optimizer step, 0 or more; a job has at most one point per step
 * @param time when the trainer measured it; the time of receipt when the pod leaves it out
 * @param extra every other field of the JSON object (e.g. {@code gpuMemoryMb}), kept by name
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetricPoint(
        Integer step,
        Double epoch,
        Double loss,
        Double learningRate,
        Double gradNorm,
        Double tokensPerSecond,
        Instant time,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extra) {
}
