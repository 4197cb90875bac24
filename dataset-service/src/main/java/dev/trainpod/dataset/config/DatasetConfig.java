package dev.trainpod.dataset.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of dataset storage, validation and download tokens ({@code trainpod.dataset.*}). */
@ConfigMapping(prefix = "trainpod.dataset")
public interface DatasetConfig {

    /** Directory the dataset files are stored in ({@code TRAINPOD_DATASET_STORAGE_DIR}); default {@code data/datasets}. */
    @WithDefault("data/datasets")
    String storageDir();

    /** Largest dataset file accepted; a larger upload answers 413; default 1G. */
    @WithDefault("1G")
    MemorySize maxBytes();

    /** Longest line the validator reads; a longer line is reported as an error; default 8M. */
    @WithDefault("8M")
    MemorySize maxLineBytes();

    /** Base URL pods download from, as reachable from a pod ({@code TRAINPOD_DATASET_PUBLIC_URL}); default {@code http://localhost:8082}. */
    @WithDefault("http://localhost:8082")
    String publicUrl();

    /** How long a download token is valid when the caller does not say; default 2h. */
    @WithDefault("2h")
    Duration tokenTtl();

    /** How many downloads from byte 0 a token allows when the caller does not say; default 5. */
    @WithDefault("5")
    int tokenMaxUses();

    /** How long after expiry a download started before expiry may still resume with a {@code Range}; default 1h. */
    @WithDefault("1h")
    Duration tokenResumeGrace();

    /** How long expired tokens and ended deployments' grants are kept before they are deleted; default 24h. */
    @WithDefault("24h")
    Duration tokenRetention();

    /** How old a partial upload left behind by a crash must be before it is removed; default 24h. */
    @WithDefault("24h")
    Duration partialRetention();
}
