package dev.trainpod.deploy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.deploy.api.DeploymentRequest;
import dev.trainpod.deploy.api.TrainingOptions;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What an accepted deployment was asked to do, as the service keeps it: the request after its pre-flight checks,
 * with its defaults filled in. It is stored as JSON in the deployment's {@code request} column (the same field
 * names as the REST body, so a retry repeats it exactly) and read back only through {@link Deployment#spec()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobSpec(UUID datasetId, String baseModel, String method, Map<String, Object> hyperparameters,
                      Gpu gpu, Limits limits, Simulation simulation, String image,
                      TrainingOptions.Validation validation, TrainingOptions.EarlyStopping earlyStopping,
                      TrainingOptions.Checkpoint checkpoint, TrainingOptions.Output output,
                      TrainingOptions.Reporting reporting) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .findAndRegisterModules()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** GPU candidates in order of preference, GPUs per pod and the cloud. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Gpu(List<String> types, Integer count, String cloud) {
    }

    /**
     * Runtime (minutes), budget (USD), idle minutes (or null), minutes to wait for capacity, and how many lost pods
     * may be replaced (null in deployments stored before recoveries: the default).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Limits(Integer maxRuntimeMinutes, BigDecimal maxCostUsd, Integer idleMinutes,
                         Integer capacityWaitMinutes, Integer maxRecoveries) {

        /** How many lost pods may be replaced; {@value DeploymentRequest.Limits#DEFAULT_MAX_RECOVERIES} by default. */
        public int recoveries() {
            return maxRecoveries == null ? DeploymentRequest.Limits.DEFAULT_MAX_RECOVERIES : maxRecoveries;
        }

        /** Minutes to keep trying for capacity; 0 unless the request said otherwise. */
        public int capacityWait() {
            return capacityWaitMinutes == null ? 0 : capacityWaitMinutes;
        }
    }

    /** Instructions for the simulated trainer (used where no GPU libraries exist). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Simulation(Integer steps, Double stepSeconds, Integer failAtStep, Integer exitCode,
                             Integer evalPlateauAtStep) {

        /** Without an eval plateau. */
        public Simulation(Integer steps, Double stepSeconds, Integer failAtStep, Integer exitCode) {
            this(steps, stepSeconds, failAtStep, exitCode, null);
        }
    }

    /** The spec of a request that passed its pre-flight checks (which guarantee gpu and limits are present). */
    public static JobSpec of(DeploymentRequest r) {
        DeploymentRequest.Gpu g = r.gpu();
        DeploymentRequest.Limits l = r.limits();
        DeploymentRequest.Simulation s = r.simulation();
        return new JobSpec(r.datasetId(), r.baseModel(), r.method(), r.hyperparameters(),
                new Gpu(g.types(), r.gpuCount(), r.cloud()),
                new Limits(l.maxRuntimeMinutes(), l.maxCostUsd(), l.idleMinutes(), l.capacityWait(), l.recoveries()),
                s == null ? null : new Simulation(s.steps(), s.stepSeconds(), s.failAtStep(), s.exitCode(),
                        s.evalPlateauAtStep()),
                r.image(), r.validation(), r.earlyStopping(), r.checkpoint(), r.output(), r.reporting());
    }

    /** The REST body that repeats this spec (a retry runs the pre-flight checks on it again). */
    public DeploymentRequest toRequest() {
        return new DeploymentRequest(datasetId, baseModel, method, hyperparameters,
                new DeploymentRequest.Gpu(gpu.types(), gpu.count(), gpu.cloud()),
                new DeploymentRequest.Limits(limits.maxRuntimeMinutes(), limits.maxCostUsd(), limits.idleMinutes(),
                        limits.capacityWaitMinutes(), limits.maxRecoveries()),
                simulation == null ? null : new DeploymentRequest.Simulation(simulation.steps(),
                        simulation.stepSeconds(), simulation.failAtStep(), simulation.exitCode(),
                        simulation.evalPlateauAtStep()),
                image, validation, earlyStopping, checkpoint, output, reporting);
    }

    /** The cloud, SECURE unless the request said otherwise. */
    public String cloud() {
        return gpu.cloud() == null ? "SECURE" : gpu.cloud();
    }

    /** GPUs per pod, 1 unless the request said otherwise. */
    public int gpuCount() {
        return gpu.count() == null ? 1 : gpu.count();
    }

    /** The spec as stored. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a job spec cannot be written as JSON", e);
        }
    }

    /** Reads a stored spec; the service wrote it, so a failure means the row was damaged. */
    public static JobSpec parse(UUID deploymentId, String stored) {
        try {
            return JSON.readValue(stored, JobSpec.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored request of deployment " + deploymentId + " is unreadable", e);
        }
    }
}
