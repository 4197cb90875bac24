package dev.trainpod.deploy.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;

/** The keys that seal users' RunPod keys; set through {@code TRAINPOD_VAULT_KEY} and {@code TRAINPOD_VAULT_KEY_ID}. */
@ConfigMapping(prefix = "trainpod.vault")
public interface VaultConfig {

    /** The id of the key new secrets are sealed with; default {@code v1}. */
    @WithDefault("v1")
    String keyId();

    /** The current key: 32 bytes, base64; no default (the service refuses to seal without it). */
    String key();

    /** Earlier keys by id (base64), kept so secrets sealed with them can still be opened; default none. */
    Map<String, String> previousKeys();
}
