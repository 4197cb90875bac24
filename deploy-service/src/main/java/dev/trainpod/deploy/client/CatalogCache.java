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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * RunPod's GPU catalog, reused for a short while per account (prices and memory change rarely), keyed by a hash
 * of the API key so the cache holds no key. Provisioning reads availability fresh; estimates and lists use this.
 * One fetch per account at a time (single flight: callers arriving meanwhile share it), and once the entry is
 * older than the TTL but younger than twice the TTL, callers get it at once while one refresh runs behind them,
 * so a create never waits on RunPod for the catalog while the service is in use. Keyed by a stored credential's id
 * instead, the key is opened only to fetch: a create answered from the cache decrypts nothing.
 *
 * <p>A create's pre-flight ({@link #forEstimate}) takes the newest catalog any account read within the TTL, fetched
 * here or offered by provisioning's fresh reads ({@link #offer}): GPU ids, memory, per-pod maxima and prices are
 * RunPod's, not the account's, so a user's first create after a quiet spell does not wait on RunPod while the
 * service reads the catalog for others. Only when no account's is that fresh does it take its own account's (as
 * {@link #catalog(UUID, Supplier)}). The GPU types list stays its account's own. The key is then checked when it is
 * stored and when the deployment is provisioned, as before, not on every create.
 */
@ApplicationScoped
public class CatalogCache {

    private record Entry(Instant until, RunPodModels.GpuCatalog catalog) {
    }

    private final RunPodClient runPod;
    private final DeployConfig config;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Uni<RunPodModels.GpuCatalog>> fetching = new ConcurrentHashMap<>();
    /** The newest catalog any account read (fetched here or offered by provisioning), with when it goes stale. */
    private final AtomicReference<Entry> newest = new AtomicReference<>();

    public CatalogCache(RunPodClient runPod, DeployConfig config) {
        this.runPod = runPod;
        this.config = config;
    }

    /** The catalog as the account of this API key sees it. */
    public Uni<RunPodModels.GpuCatalog> catalog(String apiKey) {
        return catalog(hash(apiKey), () -> Uni.createFrom().item(apiKey));
    }

    /**
     * The catalog as the account of this stored RunPod credential sees it; {@code apiKey} opens the credential's key
     * and is called only when the catalog must be fetched, so a create served from the cache opens no key.
     */
    public Uni<RunPodModels.GpuCatalog> catalog(UUID credentialId, Supplier<Uni<String>> apiKey) {
        return catalog("credential:" + credentialId, apiKey);
    }

    /**
     * The catalog for a create's pre-flight: the newest any account read if it is younger than the TTL, else as
     * {@link #catalog(UUID, Supplier)} for this account (whose key is then opened only if it must be fetched).
     */
    public Uni<RunPodModels.GpuCatalog> forEstimate(UUID credentialId, Supplier<Uni<String>> apiKey) {
        Entry any = newest.get();
        if (any != null && Instant.now().isBefore(any.until())) {
            return Uni.createFrom().item(any.catalog());
        }
        return catalog(credentialId, apiKey);
    }

    /** A catalog just read from RunPod elsewhere (provisioning's fresh read): the newest for the pre-flight. */
    public void offer(RunPodModels.GpuCatalog catalog) {
        remember(new Entry(Instant.now().plus(config.catalogCacheTtl()), catalog));
    }

    private void remember(Entry entry) {
        newest.accumulateAndGet(entry, (old, e) -> old == null || e.until().isAfter(old.until()) ? e : old);
    }

    private Uni<RunPodModels.GpuCatalog> catalog(String key, Supplier<Uni<String>> apiKey) {
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
    private Uni<RunPodModels.GpuCatalog> fetch(String key, Supplier<Uni<String>> apiKey) {
        return fetching.computeIfAbsent(key, k -> Uni.createFrom().<String>deferred(apiKey::get)
                .chain(runPod::gpuCatalog)
                .invoke(c -> {
                    Entry entry = new Entry(Instant.now().plus(config.catalogCacheTtl()), c);
                    entries.put(k, entry);
                    remember(entry);
                })
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
