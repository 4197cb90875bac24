package dev.trainpod.deploy.client;

import dev.trainpod.deploy.config.DeployConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
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
 * One fetch per account at a time (single flight: callers arriving meanwhile share it), and once the entry is
 * older than the TTL but younger than twice the TTL, callers get it at once while one refresh runs behind them,
 * so a create never waits on RunPod for the catalog while the service is in use.
 */
@ApplicationScoped
public class CatalogCache {

    private record Entry(Instant until, RunPodModels.GpuCatalog catalog) {
    }

    private final RunPodClient runPod;
    private final DeployConfig config;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Uni<RunPodModels.GpuCatalog>> fetching = new ConcurrentHashMap<>();

    public CatalogCache(RunPodClient runPod, DeployConfig config) {
        this.runPod = runPod;
        this.config = config;
    }

    public Uni<RunPodModels.GpuCatalog> catalog(String apiKey) {
        String key = hash(apiKey);
        Entry e = entries.get(key);
        Instant now = Instant.now();
        if (e != null && now.isBefore(e.until())) {
            return Uni.createFrom().item(e.catalog());
        }
        if (e != null && now.isBefore(e.until().plus(config.catalogCacheTtl()))) {
            fetch(key, apiKey).subscribe().with(c -> { }, failure -> { }); // the next caller sees the outcome
            return Uni.createFrom().item(e.catalog());
        }
        return onCallersContext(fetch(key, apiKey));
    }

    /**
     * The shared fetch, its outcome delivered on the caller's own Vert.x context: a request must go on in its own
     * context (its Hibernate Reactive session lives there), not in that of the request whose call fetched.
     */
    private static <T> Uni<T> onCallersContext(Uni<T> shared) {
        Context context = Vertx.currentContext();
        return context == null ? shared : shared.emitOn(task -> context.runOnContext(ignored -> task.run()));
    }

    /** The account's fetch in flight, or a new one. */
    private Uni<RunPodModels.GpuCatalog> fetch(String key, String apiKey) {
        return fetching.computeIfAbsent(key, k -> runPod.gpuCatalog(apiKey)
                .invoke(c -> entries.put(k, new Entry(Instant.now().plus(config.catalogCacheTtl()), c)))
                .onTermination().invoke(() -> fetching.remove(k))
                .memoize().indefinitely());
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
