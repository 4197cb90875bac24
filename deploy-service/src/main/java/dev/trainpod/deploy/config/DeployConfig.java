package dev.trainpod.deploy.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** deploy-service settings. */
@ConfigMapping(prefix = "trainpod.deploy")
public interface DeployConfig {

    /** Key id put in the header of the tokens deploy-service signs; default {@code deploy-1}. */
    @WithDefault("deploy-1")
    String signingKeyId();

    /**
     * Public base URL of metrics-service, as pods reach it ({@code TRAINPOD_DEPLOY_METRICS_PUBLIC_URL}); no default:
     * without it the service does not start, and the error names this setting.
     */
    String metricsPublicUrl();

    /**
     * Public base URL of dataset-service, as pods reach it ({@code TRAINPOD_DEPLOY_DATASET_PUBLIC_URL}); no default:
     * without it the service does not start, and the error names this setting.
     */
    String datasetPublicUrl();

    /**
     * dataset-service's internal base URL ({@code DATASET_SERVICE_URL}), which the REST client
     * {@code dataset-service} calls; no default: without it the service does not start, and the error names it.
     */
    String datasetServiceUrl();

    /**
     * Container image pods run unless the request names one; default Trainpod's trainer image
     * (pod/trainer/Dockerfile).
     */
    @WithDefault("ghcr.io/trainpod/trainer:0.1.0")
    String defaultImage();

    /** Container disk of a pod in GB; default 40. */
    @WithDefault("40")
    int containerDiskGb();

    /** How long the pod's job token outlives the deployment's maximum runtime; default 1 h. */
    @WithDefault("1h")
    Duration jobTokenMargin();

    /** How often accepted deployments are claimed for provisioning; default 1 s. */
    @WithDefault("1s")
    Duration provisioningInterval();

    /**
     * Deployments one replica provisions at once (each waits on RunPod's create call, seconds); a cycle claims only
     * as many as are free; default 8.
     */
    @WithDefault("8")
    int provisioningConcurrency();

    /** How often ended deployments whose pod is not confirmed terminated are retried; default 5 s. */
    @WithDefault("5s")
    Duration terminationInterval();

    /** Live deployments (not ended) one user may have at once; more are refused with 429; default 100. */
    @WithDefault("100")
    int maxLivePerUser();

    /**
     * Deployments one user may have waiting for a pod (PENDING, waiting for capacity included) at once; more are
     * refused with 429; default 50.
     */
    @WithDefault("50")
    int maxPendingPerUser();

    /** Extra environment every pod gets (for example shorter retry pauses in tests); default none. */
    Map<String, String> podEnv();

    /**
     * How often the reaper checks live deployments against their limits (and moves STARTING deployments whose pod
     * runs to RUNNING); default 5 s.
     */
    @WithDefault("5s")
    Duration reaperInterval();

    /** How often the reconciler holds the provider's pods against the deployments; default 30 s. */
    @WithDefault("30s")
    Duration reconcileInterval();

    /**
     * This installation's id in its pod names ({@code trainpod-<installation>-<deployment id>}): 1 to 12 lower-case
     * letters or digits. Installations that share a RunPod account must have different ids; the reconciler touches
     * only pods named for its own. Default: a random id generated once and stored in the database.
     */
    Optional<String> installationId();

    /** How long a replaced or deleted RunPod key is kept at least, even once none of its pods is live; default 1 h. */
    @WithDefault("1h")
    Duration retiredCredentialGrace();

    /** How often retired RunPod keys that no pod needs any more are deleted; default 5 min. */
    @WithDefault("5m")
    Duration credentialPurgeInterval();

    /** How long a pod may take to be RUNNING at the provider, and a deployment to get one; default 15 min. */
    @WithDefault("15m")
    Duration provisioningDeadline();

    /**
     * How long the provider may not know a pod the deployment counts on before it fails; default 5 min. A pod that
     * finished terminates itself before its success event arrives, so this must outlast event delivery (and
     * metrics-service's heartbeat watchdog, which names the failure better).
     */
    @WithDefault("5m")
    Duration missingPodGrace();

    /** How old a pod named for a deployment that never recorded it must be before it is adopted; default 30 s. */
    @WithDefault("30s")
    Duration adoptAfter();

    /** First pause between rounds over all GPU candidates while waiting for capacity, doubled per round; default 15 s. */
    @WithDefault("15s")
    Duration capacityBackoff();

    /** Longest pause between rounds over all GPU candidates; default 2 min. */
    @WithDefault("2m")
    Duration capacityBackoffMax();

    /** How long the provider's GPU catalog is reused for prices and the gpu-types list; default 60 s. */
    @WithDefault("60s")
    Duration catalogCacheTtl();

    /** The idle-GPU rule of the reaper. */
    Idle idle();

    /** When a running pod counts as idle: every GPU the provider reports under the threshold. */
    interface Idle {

        /** Whether the reaper fails deployments whose GPUs stay idle for {@code limits.idleMinutes}; default true. */
        @WithDefault("true")
        boolean enabled();

        /** GPU utilisation in percent under which a GPU counts as idle; default 5. */
        @WithDefault("5")
        double utilThreshold();
    }
}
