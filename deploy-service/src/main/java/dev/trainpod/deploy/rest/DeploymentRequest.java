package dev.trainpod.deploy.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The body of {@code POST /api/v1/deployments}; every field is checked by the pre-flight checks, which report
 * all failures at once rather than the first. Its numbers must be plain finite JSON numbers ({@link RequestNumbers}):
 * a string, NaN or a fraction for a whole field is answered with 422 before the checks run.
 */
public record DeploymentRequest(UUID datasetId, String baseModel, String method, Map<String, Object> hyperparameters,
                                Gpu gpu, Limits limits, Simulation simulation, String image) {

    /** GPU candidates in order of preference, how many GPUs, and which cloud. */
    public record Gpu(List<String> types, @JsonDeserialize(using = RequestNumbers.Whole.class) Integer count,
                      String cloud) {
    }

    /**
     * What the deployment may spend: runtime, money, how long its GPUs may sit idle, how long to keep trying
     * when no GPU candidate has capacity (0 or absent: fail at once), and how many lost pods to replace (the
     * runtime and the money count across all of them).
     */
    public record Limits(@JsonDeserialize(using = RequestNumbers.Whole.class) Integer maxRuntimeMinutes,
                         @JsonDeserialize(using = RequestNumbers.Decimal.class) BigDecimal maxCostUsd,
                         @JsonDeserialize(using = RequestNumbers.Whole.class) Integer idleMinutes,
                         @JsonDeserialize(using = RequestNumbers.Whole.class) Integer capacityWaitMinutes,
                         @JsonDeserialize(using = RequestNumbers.Whole.class) Integer maxRecoveries) {

        /** Lost pods replaced automatically unless the request says otherwise (0 turns recovery off). */
        public static final int DEFAULT_MAX_RECOVERIES = 2;

        /** How many lost pods may be replaced; the default unless the request says otherwise. */
        public int recoveries() {
            return maxRecoveries == null ? DEFAULT_MAX_RECOVERIES : maxRecoveries;
        }

        /** Minutes to keep trying for capacity; 0 unless the request says otherwise. */
        public int capacityWait() {
            return capacityWaitMinutes == null ? 0 : capacityWaitMinutes;
        }
    }

    /** Instructions for the simulated trainer (used where no GPU libraries exist). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Simulation(@JsonDeserialize(using = RequestNumbers.Whole.class) Integer steps,
                             @JsonDeserialize(using = RequestNumbers.Finite.class) Double stepSeconds,
                             @JsonDeserialize(using = RequestNumbers.Whole.class) Integer failAtStep,
                             @JsonDeserialize(using = RequestNumbers.Whole.class) Integer exitCode) {
    }

    /** The cloud, SECURE unless the request says otherwise. */
    public String cloud() {
        return gpu == null || gpu.cloud() == null ? "SECURE" : gpu.cloud();
    }

    /** GPUs per pod, 1 unless the request says otherwise. */
    public int gpuCount() {
        return gpu == null || gpu.count() == null ? 1 : gpu.count();
    }
}
