package dev.trainpod.deploy.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Assumptions of the cost estimate that operators may tune. */
@ConfigMapping(prefix = "trainpod.estimate")
public interface EstimateConfig {

    /** Start-up minutes (image pull, model download, dataset) in the low estimate; default 3. */
    @WithDefault("3")
    double startupMinutesLow();

    /** Start-up minutes in the high estimate; default 12. */
    @WithDefault("12")
    double startupMinutesHigh();

    /** Model FLOPs utilisation assumed for the low (fast) estimate; default 0.40. */
    @WithDefault("0.40")
    double utilisationLow();

    /** Model FLOPs utilisation assumed for the high (slow) estimate; default 0.15. */
    @WithDefault("0.15")
    double utilisationHigh();
}
