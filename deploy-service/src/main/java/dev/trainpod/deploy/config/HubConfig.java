package dev.trainpod.deploy.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Where the Hugging Face Hub answers the token checks of the pre-flight (a test stands a local server in). */
@ConfigMapping(prefix = "trainpod.huggingface")
public interface HubConfig {

    /** Base URL of the Hub's API; default {@code https://huggingface.co} (set through {@code HUGGINGFACE_URL}). */
    @WithDefault("https://huggingface.co")
    String url();

    /** How long a token check may take before the pre-flight reports the Hub unavailable; default 10 s. */
    @WithDefault("10s")
    Duration timeout();
}
