package dev.trainpod.deploy.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.dataset.MintedToken;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.JobSpec;
import dev.trainpod.deploy.api.CostEstimate;
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

    /**
     * The create call for one GPU candidate; the user's Hugging Face token, when stored, becomes {@code HF_TOKEN}, the
     * W&B key (only when the deployment reports to W&B) {@code WANDB_API_KEY}, and the validation dataset's download
     * link (when the validation set is a second dataset) {@code TRAINPOD_VALIDATION_URL}.
     */
    public RunPodModels.CreatePod spec(Deployment d, JobSpec r, MintedToken token, MintedToken validationToken,
                                       String jobToken, String huggingFaceToken, String wandbKey, String gpuType) {
        Map<String, String> env = new LinkedHashMap<>(config.podEnv());
        env.put("TRAINPOD_DEPLOYMENT_ID", d.id.toString());
        env.put("TRAINPOD_JOB_TOKEN", jobToken);
        env.put("TRAINPOD_DATASET_URL", token.url());
        env.put("TRAINPOD_DATASET_SHA256", token.sha256());
        env.put("TRAINPOD_METRICS_URL", config.metricsPublicUrl() + "/api/v1/jobs/" + d.id);
        env.put("TRAINPOD_ARTIFACTS_URL", config.datasetPublicUrl() + "/api/v1/pod/artifacts");
        env.put("TRAINPOD_DATASET_REFRESH_URL", config.datasetPublicUrl() + "/api/v1/pod/dataset");
        env.put("TRAINPOD_CONFIG", trainerConfig(d, r, gpuType));
        if (validationToken != null) {
            env.put("TRAINPOD_VALIDATION_URL", validationToken.url());
            env.put("TRAINPOD_VALIDATION_SHA256", validationToken.sha256());
        }
        if (wandbKey != null) {
            env.put("WANDB_API_KEY", wandbKey);
        }
        env.put("TRAINPOD_RUNPOD_API_URL", runPodConfig.podApiUrl());
        if (huggingFaceToken != null) {
            env.put("HF_TOKEN", huggingFaceToken);
        }
        String image = r.image() == null || r.image().isBlank() ? config.defaultImage() : r.image();
        return new RunPodModels.CreatePod(podName(d), image, new RunPodModels.Gpu(gpuType, r.gpuCount()),
                r.cloud(), config.containerDiskGb(), bootstrap.script(), env);
    }

    private String trainerConfig(Deployment d, JobSpec r, String gpuType) {
        try {
            CostEstimate estimate = d.estimate == null ? null : json.readValue(d.estimate, CostEstimate.class);
            return Base64.getEncoder().encodeToString(json.writeValueAsString(TrainerConfig.of(r, estimate, gpuType))
                    .getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("trainer config cannot be written as JSON", e);
        }
    }
}
