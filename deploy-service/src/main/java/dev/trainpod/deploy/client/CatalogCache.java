package dev.trainpod.deploy.client;

import dev.trainpod.deploy.config.DeployConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RunPod's GPU catalog, reused for a short while per account (prices and memory change rarely), keyed by a hash
 * of the API key so the cache holds no key. Provisioning reads availability fresh; estimates and lists use this.
 */
@ApplicationScoped
public class CatalogCache {

    private record Entry(Instant until, RunPodModels.GpuCatalog catalog) {
    }

    private final RunPodClient runPod;
    private final DeployConfig config;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public CatalogCache(RunPodClient runPod, DeployConfig config) {
        this.runPod = runPod;
        this.config = config;
    }

    public Uni<RunPodModels.GpuCatalog> catalog(String apiKey) {
        String key = hash(apiKey);
        Entry e = entries.get(key);
        if (e != null && Instant.now().isBefore(e.until())) {
            return Uni.createFrom().item(e.catalog());
        }
        return runPod.gpuCatalog(apiKey).invoke(c -> entries.put(key,
                new Entry(Instant.now().plus(config.catalogCacheTtl()), c)));
    }

    private static String hash(String apiKey) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(apiKey.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
