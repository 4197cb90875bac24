package dev.trainpod.deploy.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.deploy.config.DeployConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The catalog cache: one fetch per account at a time, a stale entry served while it is refreshed, and a create's
 * pre-flight served by any account's fresh catalog.
 */
class CatalogCacheTest {

    /** RunPod's catalog call, answered by the test when it chooses. */
    private static final class HeldCatalog extends RunPodClient {
        final AtomicInteger calls = new AtomicInteger();
        final List<UniEmitter<? super RunPodModels.GpuCatalog>> waiting = new CopyOnWriteArrayList<>();

        HeldCatalog() {
            super(null, null, null);
        }

        @Override
        public Uni<RunPodModels.GpuCatalog> gpuCatalog(String apiKey) {
            return Uni.createFrom().emitter(e -> {
                calls.incrementAndGet();
                waiting.add(e);
            });
        }

        void answer(int gpus) {
            RunPodModels.GpuCatalog c = new RunPodModels.GpuCatalog(java.util.Collections.nCopies(gpus, null));
            waiting.forEach(e -> e.complete(c));
            waiting.clear();
        }
    }

    private static DeployConfig ttl(Duration ttl) {
        return (DeployConfig) Proxy.newProxyInstance(DeployConfig.class.getClassLoader(),
                new Class<?>[] {DeployConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("catalogCacheTtl")) {
                        return ttl;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void concurrentCallersShareOneFetch() {
        HeldCatalog runPod = new HeldCatalog();
        CatalogCache cache = new CatalogCache(runPod, ttl(Duration.ofMinutes(1)));
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 20; i++) {
            cache.catalog("key-a").subscribe().with(c -> sizes.add(c.gpus().size()));
        }
        assertThat(runPod.calls).hasValue(1);
        runPod.answer(3);
        assertThat(sizes).hasSize(20).containsOnly(3);
        cache.catalog("key-a").await().atMost(Duration.ofSeconds(1));
        assertThat(runPod.calls).as("cached after the fetch").hasValue(1);
        cache.catalog("key-b").subscribe().with(c -> { });
        assertThat(runPod.calls).as("another account fetches its own").hasValue(2);
    }

    /** Keyed by a stored credential, the key is opened only to fetch: a cached catalog costs no decryption. */
    @Test
    void aStoredCredentialsKeyIsOpenedOnlyToFetch() {
        HeldCatalog runPod = new HeldCatalog();
        CatalogCache cache = new CatalogCache(runPod, ttl(Duration.ofMinutes(1)));
        UUID credential = UUID.randomUUID();
        AtomicInteger opened = new AtomicInteger();
        java.util.function.Supplier<Uni<String>> open = () -> {
            opened.incrementAndGet();
            return Uni.createFrom().item("rpa_key");
        };
        for (int i = 0; i < 5; i++) {
            cache.catalog(credential, open).subscribe().with(c -> { });
        }
        runPod.answer(1);
        for (int i = 0; i < 5; i++) {
            assertThat(cache.catalog(credential, open).await().atMost(Duration.ofSeconds(1)).gpus()).hasSize(1);
        }
        assertThat(runPod.calls).hasValue(1);
        assertThat(opened).as("keys opened for ten catalog reads").hasValue(1);
    }

    /**
     * A create's pre-flight takes the newest catalog any account read within the TTL, fetched here or offered by
     * provisioning: no call to RunPod and no key opened for it.
     */
    @Test
    void aCreateTakesAFreshCatalogOfAnyAccountWithoutOpeningItsKey() {
        HeldCatalog runPod = new HeldCatalog();
        CatalogCache cache = new CatalogCache(runPod, ttl(Duration.ofMinutes(1)));
        AtomicInteger opened = new AtomicInteger();
        java.util.function.Supplier<Uni<String>> open = () -> {
            opened.incrementAndGet();
            return Uni.createFrom().item("rpa_key");
        };
        cache.catalog(UUID.randomUUID(), open).subscribe().with(c -> { });
        runPod.answer(2);
        assertThat(cache.forEstimate(UUID.randomUUID(), open).await().atMost(Duration.ofSeconds(1)).gpus())
                .hasSize(2);
        assertThat(runPod.calls).as("another account's create asks RunPod nothing").hasValue(1);
        assertThat(opened).as("only the fetching account's key opened").hasValue(1);

        cache.offer(new RunPodModels.GpuCatalog(java.util.Collections.nCopies(4, null)));
        assertThat(cache.forEstimate(UUID.randomUUID(), open).await().atMost(Duration.ofSeconds(1)).gpus())
                .as("provisioning's fresh read is the newest").hasSize(4);
        assertThat(runPod.calls).hasValue(1);
        assertThat(opened).hasValue(1);
    }

    /** When no account's catalog is younger than the TTL, a create takes its own account's, as the gpu-types list. */
    @Test
    void withNoFreshCatalogACreateTakesItsOwnAccounts() throws Exception {
        HeldCatalog runPod = new HeldCatalog();
        CatalogCache cache = new CatalogCache(runPod, ttl(Duration.ofMillis(200)));
        java.util.function.Supplier<Uni<String>> open = () -> Uni.createFrom().item("rpa_key");
        cache.offer(new RunPodModels.GpuCatalog(java.util.Collections.nCopies(4, null)));
        TimeUnit.MILLISECONDS.sleep(250);
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        cache.forEstimate(UUID.randomUUID(), open).subscribe().with(c -> sizes.add(c.gpus().size()));
        assertThat(runPod.calls).as("its own account's fetch").hasValue(1);
        assertThat(sizes).as("waits for it").isEmpty();
        runPod.answer(1);
        assertThat(sizes).containsExactly(1);
    }

    @Test
    void aStaleEntryIsServedAtOnceWhileOneRefreshRuns() throws Exception {
        HeldCatalog runPod = new HeldCatalog();
        CatalogCache cache = new CatalogCache(runPod, ttl(Duration.ofMillis(200)));
        Uni<RunPodModels.GpuCatalog> first = cache.catalog("key");
        first.subscribe().with(c -> { });
        runPod.answer(1);
        TimeUnit.MILLISECONDS.sleep(250); // older than the TTL, younger than twice it

        for (int i = 0; i < 5; i++) {
            assertThat(cache.catalog("key").await().atMost(Duration.ofSeconds(1)).gpus()).hasSize(1);
        }
        assertThat(runPod.calls).as("one refresh behind the callers").hasValue(2);
        runPod.answer(2);
        assertThat(cache.catalog("key").await().atMost(Duration.ofSeconds(1)).gpus()).hasSize(2);
        assertThat(runPod.calls).hasValue(2);
    }

    /**
     * Callers that share one fetch each go on in their own Vert.x context (where their request's database session
     * lives), never in the context of the caller whose call fetched, nor in the thread that answered.
     */
    @Test
    void eachCallerOfASharedFetchGoesOnInItsOwnContext() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            HeldCatalog runPod = new HeldCatalog();
            CatalogCache cache = new CatalogCache(runPod, ttl(Duration.ofMinutes(1)));
            List<io.vertx.core.Context> contexts = List.of(vertx.getOrCreateContext(), vertx.getOrCreateContext());
            java.util.Map<io.vertx.core.Context, io.vertx.core.Context> seen =
                    new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(2);
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(2);
            for (io.vertx.core.Context context : contexts) {
                context.runOnContext(v -> {
                    cache.catalog("key").subscribe().with(c -> {
                        seen.put(context, io.vertx.core.Vertx.currentContext());
                        done.countDown();
                    });
                    subscribed.countDown();
                });
            }
            assertThat(subscribed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(runPod.calls).hasValue(1);
            runPod.answer(1); // from the test thread, as a client's I/O thread would
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            for (io.vertx.core.Context context : contexts) {
                assertThat(seen.get(context)).isSameAs(context);
            }
        } finally {
            vertx.close();
        }
    }
}
