package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.devstack.runpod.SimPod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Load and soak on the local stack (see BENCHMARKS.md): many users, each with its own token, RunPod key and
 * dataset, deploying short simulated trainings with a bounded number of pods alive at once. Skipped unless
 * {@code -Dbenchmark=true}; the soak runs only with {@code -Dsoak.minutes=N}. Prints its figures and asserts the
 * invariants: every deployment ended as meant, no pod left running, every outbox drained, no service memory growth.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoadIT {

    private static final int USERS = Integer.getInteger("load.users", 200);
    private static final int DEPLOYMENTS = Integer.getInteger("load.deployments", 1000);
    private static final int IN_FLIGHT = Integer.getInteger("load.inFlight", 12);
    private static final int SOAK_MINUTES = Integer.getInteger("soak.minutes", 0);
    private static final int SOAK_IN_FLIGHT = Integer.getInteger("soak.inFlight", 6);
    private static final int SAMPLE_SECONDS = Integer.getInteger("soak.sampleSeconds", 30);
    /** Heap after GC in the soak's last third may exceed the first third's by this much. */
    private static final double HEAP_GROWTH_ALLOWED = 0.20;
    private static final Path ROOT = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", ".."))
            .toAbsolutePath().normalize();
    private static final Path TARGET = ROOT.resolve("devstack/target");

    private static LocalStack stack;
    private static List<LoadDriver.User> users;
    private static String referenceKey;

    @BeforeAll
    static void createUsers() throws Exception {
        Path dataset = ROOT.resolve("examples/sft-messages.jsonl");
        stack = SharedStack.get();
        referenceKey = "rpa_load_reference_" + UUID.randomUUID().toString().replace("-", "");
        stack.simulator().addApiKey(referenceKey);
        String run = UUID.randomUUID().toString().substring(0, 8);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<LoadDriver.User>> created = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            String userId = "load-" + run + "-" + i;
            created.add(pool.submit(() -> createUser(userId, dataset)));
        }
        users = new ArrayList<>();
        for (Future<LoadDriver.User> f : created) {
            users.add(f.get());
        }
        pool.shutdown();
    }

    private static LoadDriver.User createUser(String userId, Path dataset) {
        String key = "rpa_load_" + UUID.randomUUID().toString().replace("-", "");
        stack.simulator().addApiKey(key);
        String token = stack.keys().userToken(userId, Duration.ofHours(6));
        TrainpodClient client = new TrainpodClient(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl(), token);
        assertThat(client.storeRunPodKey(key).status()).isEqualTo(204);
        TrainpodClient.Answer upload = client.uploadDataset(dataset);
        assertThat(upload.status()).as(String.valueOf(upload.body())).isEqualTo(201);
        return new LoadDriver.User(userId, token, upload.body().path("id").asText());
    }

    @Test
    @Order(1)
    void manyUsersDeploymentsAllEndAsMeantAndLeaveNothingRunning() throws Exception {
        String loadBefore = MemorySampler.loadAverage();
        LoadDriver driver = new LoadDriver(stack, users, referenceKey);
        Instant start = Instant.now();
        driver.run(IN_FLIGHT, DEPLOYMENTS, Instant.now().plus(Duration.ofHours(2)));
        double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;

        report("load", List.of(
                String.format("machine: %d CPUs; load average before %s, after %s",
                        Runtime.getRuntime().availableProcessors(), loadBefore, MemorySampler.loadAverage()),
                String.format("%d users, %d deployments (every %dth meant to fail), %d in flight: %d ended in %.1f s"
                        + " = %.1f per minute", USERS, DEPLOYMENTS, LoadDriver.FAIL_EVERY, IN_FLIGHT,
                        driver.outcomes.size(), seconds, driver.outcomes.size() / seconds * 60)));
        reportFigures("load", driver);
        assertThat(driver.requested()).isEqualTo(DEPLOYMENTS);
        assertEverythingEnded(driver, DEPLOYMENTS);
    }

    @Test
    @Order(2)
    @EnabledIfSystemProperty(named = "soak.minutes", matches = "[1-9][0-9]*")
    void steadyLoadLeavesEveryServiceMemoryFlat() throws Exception {
        MemorySampler memory = new MemorySampler(stack, TARGET.resolve("soak-memory.csv"));
        LoadDriver driver = new LoadDriver(stack, users, referenceKey);
        ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor();
        sampling.scheduleAtFixedRate(() -> {
            try {
                memory.sample();
            } catch (RuntimeException e) {
                driver.errors.add("memory sample: " + e.getMessage());
            }
        }, 0, SAMPLE_SECONDS, TimeUnit.SECONDS);
        Instant start = Instant.now();
        try {
            driver.run(SOAK_IN_FLIGHT, Integer.MAX_VALUE, start.plus(Duration.ofMinutes(SOAK_MINUTES)));
        } finally {
            sampling.shutdown();
            sampling.awaitTermination(2, TimeUnit.MINUTES);
        }
        memory.sample();
        double minutes = Duration.between(start, Instant.now()).toMillis() / 60_000.0;

        List<String> lines = new ArrayList<>();
        lines.add(String.format("%.1f min, %d in flight: %d deployments ended = %.1f per minute; load average at the"
                + " end %s", minutes, SOAK_IN_FLIGHT, driver.outcomes.size(), driver.outcomes.size() / minutes,
                MemorySampler.loadAverage()));
        Map<String, Growth> growth = new LinkedHashMap<>();
        for (String service : MemorySampler.SERVICES) {
            Growth g = Growth.of(memory.samples(service), SOAK_MINUTES * 60.0 / 6);
            growth.put(service, g);
            lines.add(String.format("%s heap after GC (MiB): first third max %.1f, last third max %.1f (%+.1f %%);"
                    + " RSS first %.0f, last %.0f, max %.0f", service, g.firstThirdHeap(), g.lastThirdHeap(),
                    100 * (g.lastThirdHeap() / g.firstThirdHeap() - 1), g.firstRss(), g.lastRss(), g.maxRss()));
        }
        report("soak", lines);
        reportFigures("soak", driver);

        assertEverythingEnded(driver, driver.requested());
        for (String service : MemorySampler.SERVICES) {
            assertThat(stack.service(service).isAlive()).as(service + " is running").isTrue();
            assertThat(Files.readString(stack.serviceLog(service))).as(service + " log")
                    .doesNotContain("OutOfMemoryError");
            Growth g = growth.get(service);
            assertThat(g.lastThirdHeap()).as(service + " heap after GC, last third against first third (MiB)")
                    .isLessThanOrEqualTo(g.firstThirdHeap() * (1 + HEAP_GROWTH_ALLOWED));
        }
    }

    /**
     * One service's memory over the soak: after the warm-up, the maximum heap-after-GC (MiB) of the first and of the
     * last third of the samples; and its resident set (MiB), first, last and maximum.
     */
    private record Growth(double firstThirdHeap, double lastThirdHeap, double firstRss, double lastRss,
                          double maxRss) {

        static Growth of(List<MemorySampler.Sample> samples, double warmupSeconds) {
            List<MemorySampler.Sample> steady = samples.stream().filter(s -> s.elapsedSeconds() >= warmupSeconds)
                    .toList();
            assertThat(steady.size()).as("memory samples after the warm-up").isGreaterThanOrEqualTo(3);
            int third = steady.size() / 3;
            return new Growth(maxHeap(steady.subList(0, third)),
                    maxHeap(steady.subList(steady.size() - third, steady.size())),
                    samples.get(0).rssMib(), samples.get(samples.size() - 1).rssMib(),
                    samples.stream().mapToDouble(MemorySampler.Sample::rssMib).max().orElseThrow());
        }

        private static double maxHeap(List<MemorySampler.Sample> samples) {
            return samples.stream().mapToDouble(MemorySampler.Sample::heapAfterGcMib).max().orElseThrow();
        }
    }

    private static void reportFigures(String label, LoadDriver driver) throws IOException {
        Map<String, SimPod> pods = stack.simulator().pods().stream()
                .collect(Collectors.toMap(SimPod::id, Function.identity()));
        Latencies podCreated = new Latencies();
        Latencies lifetime = new Latencies();
        for (LoadDriver.Outcome o : driver.outcomes) {
            SimPod pod = o.podId() == null ? null : pods.get(o.podId());
            if (pod != null) {
                podCreated.add(Duration.between(o.requestedAt(), pod.createdAt()).toMillis() / 1000.0);
            }
            lifetime.add(Duration.between(o.requestedAt(), o.endSeenAt()).toMillis() / 1000.0);
        }
        report(label, List.of(
                "create POST /api/v1/deployments (ms): " + driver.create.summary("%.1f"),
                "  reference POST /v2/pods at the simulator (ms): " + driver.referenceCreate.summary("%.1f"),
                ratio("  create / reference", driver.create, driver.referenceCreate),
                "read GET /api/v1/deployments/{id} (ms): " + driver.read.summary("%.1f"),
                "  reference GET /q/health/ready (ms): " + driver.referenceRead.summary("%.1f"),
                ratio("  read / reference", driver.read, driver.referenceRead),
                "request -> pod created at the simulator (s): " + podCreated.summary("%.2f"),
                "request -> deployment seen ended by its user (s): " + lifetime.summary("%.2f"),
                "errors: " + driver.errors.size()));
    }

    private static String ratio(String what, Latencies measured, Latencies reference) {
        return String.format("%s: p50 %.1f, p99 %.1f", what, measured.percentile(50) / reference.percentile(50),
                measured.percentile(99) / reference.percentile(99));
    }

    /**
     * Every requested deployment ended as meant, with one pod each; no simulator pod is left running; no service
     * has an event waiting in its outbox.
     */
    private static void assertEverythingEnded(LoadDriver driver, int requested) throws Exception {
        assertThat(driver.errors).as("errors during the load").isEmpty();
        assertThat(driver.outcomes).hasSize(requested);
        for (LoadDriver.Outcome o : driver.outcomes) {
            if (o.meantToFail()) {
                assertThat(o.status() + " " + o.reason()).as(o.id()).isEqualTo("FAILED FAILED_TRAINING");
            } else {
                assertThat(o.status()).as(o.id()).isEqualTo("SUCCEEDED");
            }
            assertThat(o.podId()).as(o.id() + " pod").isNotNull();
        }
        List<SimPod> running = ItHttp.await("every simulator pod to be terminated", Duration.ofMinutes(2),
                () -> stack.simulator().pods().stream().filter(p -> !"TERMINATED".equals(p.status())).toList(),
                List::isEmpty);
        assertThat(running).as("leaked pods").isEmpty();
        Map<String, Long> podsPerDeployment = stack.simulator().pods().stream()
                .filter(p -> p.name().startsWith(ItPods.PREFIX))
                .collect(Collectors.groupingBy(SimPod::name, Collectors.counting()));
        driver.outcomes.forEach(o -> assertThat(podsPerDeployment.get(ItPods.name(o.id())))
                .as("pods of deployment " + o.id()).isEqualTo(1L));
        Map<String, Long> pending = ItHttp.await("every outbox to drain", Duration.ofMinutes(1),
                LoadIT::pendingOutboxEvents, p -> p.values().stream().allMatch(n -> n == 0));
        assertThat(pending.values()).as("outbox events not yet sent, per service").containsOnly(0L);
    }

    private static Map<String, Long> pendingOutboxEvents() {
        SharedPostgres.Server pg = SharedPostgres.server();
        Map<String, Long> pending = new LinkedHashMap<>();
        for (String db : List.of("trainpod_deploy", "trainpod_dataset", "trainpod_metrics")) {
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), pg.password());
                 ResultSet rs = c.createStatement()
                         .executeQuery("SELECT count(*) FROM outbox_event WHERE sent_at IS NULL")) {
                rs.next();
                pending.put(db, rs.getLong(1));
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read the outbox of " + db, e);
            }
        }
        return pending;
    }

    private static void report(String label, List<String> lines) throws IOException {
        List<String> prefixed = lines.stream().map(l -> "[" + label + "] " + l).toList();
        prefixed.forEach(System.out::println);
        Files.createDirectories(TARGET);
        Files.write(TARGET.resolve("load-report.txt"), prefixed, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
