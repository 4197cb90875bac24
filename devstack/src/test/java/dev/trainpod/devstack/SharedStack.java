package dev.trainpod.devstack;

import java.nio.file.Path;
import java.util.Map;

/**
 * One local stack shared by every integration test class of a test run (starting one takes half a minute); it
 * stops when the JVM exits. Tests that stop a service must start it again before they finish.
 */
public final class SharedStack {

    /**
     * deploy-service settings that make its jobs run often enough for tests. The idle-GPU rule is off: the
     * simulator reports every GPU at 0 % utilisation, so it would fail every deployment that sets idleMinutes.
     * Start-up overhead is left out of the low estimate, so that small budgets pass the pre-flight check.
     */
    private static final Map<String, String> TEST_SETTINGS = Map.ofEntries(
            Map.entry("trainpod.deploy.termination-interval", "1s"),
            Map.entry("trainpod.deploy.reaper-interval", "1s"),
            Map.entry("trainpod.deploy.reconcile-interval", "2s"),
            Map.entry("trainpod.deploy.adopt-after", "3s"),
            Map.entry("trainpod.deploy.missing-pod-grace", "90s"),
            Map.entry("trainpod.deploy.capacity-backoff", "1s"),
            Map.entry("trainpod.deploy.capacity-backoff-max", "2s"),
            Map.entry("trainpod.deploy.catalog-cache-ttl", "1s"),
            Map.entry("trainpod.deploy.idle.enabled", "false"),
            // StateMachineFaultsIT keeps 250 deployments of one user waiting for capacity.
            Map.entry("trainpod.deploy.max-pending-per-user", "250"),
            Map.entry("trainpod.deploy.max-live-per-user", "300"),
            Map.entry("trainpod.deploy.installation-id", ItPods.INSTALLATION),
            // the create benchmark's reference endpoint, for its smoke run (CreateBenchIT)
            Map.entry("trainpod.bench.reference-endpoint", "true"),
            Map.entry("trainpod.estimate.startup-minutes-low", "0"),
            Map.entry("trainpod.estimate.startup-minutes-high", "1"));

    private static LocalStack stack;
    private static OtlpReceiver traces;

    private SharedStack() {
    }

    /** The spans the shared stack's services exported (started with the stack). */
    public static synchronized OtlpReceiver traces() {
        get();
        return traces;
    }

    public static synchronized LocalStack get() {
        if (stack == null) {
            Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
            // Every service exports its spans to a receiver in this JVM, so TracingIT can follow one deployment.
            traces = OtlpReceiver.start();
            // every service: the benchmarks' reference paths, for their smoke runs (TransferBenchIT's upload
            // without validation is dataset-service's)
            Map<String, String> everyService = new java.util.HashMap<>(traces.serviceSettings());
            everyService.put("trainpod.bench.reference-endpoint", "true");
            stack = LocalStack.start(new LocalStack.Options(root, root.resolve("devstack/target/it-stack"),
                    0, 0, 0, 0, null, TEST_SETTINGS, everyService));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stack.close();
                traces.close();
            }));
        }
        return stack;
    }
}
