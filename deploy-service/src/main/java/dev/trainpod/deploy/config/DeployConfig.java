package dev.trainpod.deploy.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/** deploy-service settings. */
@ConfigMapping(prefix = "trainpod.deploy")
public interface DeployConfig {

    /** Key id put in the header of the tokens deploy-service signs; default {@code deploy-1}. */
    @WithDefault("deploy-1")
    String signingKeyId();

    /** Public base URL of metrics-service, as pods reach it; default {@code http://localhost:8083}. */
    @WithDefault("http://localhost:8083")
    String metricsPublicUrl();

    /** Public base URL of dataset-service, as pods reach it; default {@code http://localhost:8082}. */
    @WithDefault("http://localhost:8082")
    String datasetPublicUrl();

    /** Container image pods run unless the request names one; default a stock RunPod PyTorch image. */
    @WithDefault("runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04")
    String defaultImage();

    /** Container disk of a pod in GB; default 40. */
    @WithDefault("40")
    int containerDiskGb();

    /** How long the pod's job token outlives the deployment's maximum runtime; default 1 h. */
    @WithDefault("1h")
    Duration jobTokenMargin();

    /** Extra environment every pod gets (for example shorter retry pauses in tests); default none. */
    Map<String, String> podEnv();
}
