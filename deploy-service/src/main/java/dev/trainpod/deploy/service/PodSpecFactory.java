package dev.trainpod.deploy.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.dataset.MintedToken;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.JobSpec;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.config.RunPodConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the RunPod create call of a deployment's pod: its name, image, environment and bootstrap. */
@ApplicationScoped
public class PodSpecFactory {

    private final DeployConfig config;
    private final RunPodConfig runPodConfig;
    private final BootstrapScript bootstrap;
    private final ObjectMapper json;
    private final PodNames names;

    public PodSpecFactory(DeployConfig config, RunPodConfig runPodConfig, BootstrapScript bootstrap,
                          ObjectMapper json, PodNames names) {
        this.names = names;
        this.config = config;
        this.runPodConfig = runPodConfig;
        this.bootstrap = bootstrap;
        this.json = json;
    }

    /** The pod name the reconciler recognises: {@code trainpod-<installation>-<deployment id>} ({@link PodNames}). */
    public String podName(Deployment d) {
        return names.name(d.id);
    }

    /** The create call for one GPU candidate; the user's Hugging Face token, when stored, becomes {@code HF_TOKEN}. */
    public RunPodModels.CreatePod spec(Deployment d, JobSpec r, MintedToken token, String jobToken,
                                       String huggingFaceToken, String gpuType) {
        Map<String, String> env = new LinkedHashMap<>(config.podEnv());
        env.put("TRAINPOD_DEPLOYMENT_ID", d.id.toString());
        env.put("TRAINPOD_JOB_TOKEN", jobToken);
        env.put("TRAINPOD_DATASET_URL", token.url());
        env.put("TRAINPOD_DATASET_SHA256", token.sha256());
        env.put("TRAINPOD_METRICS_URL", config.metricsPublicUrl() + "/api/v1/jobs/" + d.id);
        env.put("TRAINPOD_ARTIFACTS_URL", config.datasetPublicUrl() + "/api/v1/pod/artifacts");
        env.put("TRAINPOD_DATASET_REFRESH_URL", config.datasetPublicUrl() + "/api/v1/pod/dataset");
        env.put("TRAINPOD_CONFIG", trainerConfig(r));
        env.put("TRAINPOD_RUNPOD_API_URL", runPodConfig.podApiUrl());
        if (huggingFaceToken != null) {
            env.put("HF_TOKEN", huggingFaceToken);
        }
        String image = r.image() == null || r.image().isBlank() ? config.defaultImage() : r.image();
        return new RunPodModels.CreatePod(podName(d), image, new RunPodModels.Gpu(gpuType, r.gpuCount()),
                r.cloud(), config.containerDiskGb(), bootstrap.script(), env);
    }

    private String trainerConfig(JobSpec r) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("model", r.baseModel());
        cfg.put("method", r.method());
        cfg.put("hyperparameters", r.hyperparameters() == null ? Map.of() : r.hyperparameters());
        if (r.simulation() != null) {
            cfg.put("simulation", r.simulation());
        }
        try {
            return Base64.getEncoder().encodeToString(json.writeValueAsString(cfg).getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("trainer config cannot be written as JSON", e);
        }
    }
}
