package dev.trainpod.devstack;

import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.devstack.bench.ProcCpu;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The stack a benchmark IT measures. With {@code -Dbenchmark=true} (benchmarks/&lt;name&gt;/run.sh): a stack of
 * its own, the services on production JVMs ({@code -Dtrainpod.service.jvm=production}) and PostgreSQL with fsync
 * on ({@code -Dtrainpod.postgres.fsync=on}), figures appended to {@code benchmarks/results.md}. Without it, in
 * {@code ./mvnw verify}: a smoke run of a few seconds on the shared test stack, so the harness cannot rot; its
 * figures go to {@code devstack/target/bench-smoke.md} and mean nothing.
 */
final class BenchStack {

    /** Production settings but for these. */
    private static final Map<String, String> BENCH_SETTINGS = Map.ofEntries(
            Map.entry("trainpod.deploy.installation-id", ItPods.INSTALLATION),
            Map.entry("trainpod.deploy.idle.enabled", "false"),
            Map.entry("trainpod.bench.reference-endpoint", "true"),
            // the per-job write limit would measure itself, not ingestion (the pod-rate window stays within it)
            Map.entry("trainpod.metrics.pod-writes-per-second", "1000000"),
            Map.entry("trainpod.metrics.pod-write-burst", "1000000"));

    private static LocalStack stack;

    private BenchStack() {
    }

    /** True for a real benchmark run, false for the smoke run inside {@code ./mvnw verify}. */
    static boolean full() {
        return Boolean.getBoolean("benchmark");
    }

    static Path root() {
        return Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
    }

    static synchronized LocalStack get() {
        if (!full()) {
            return SharedStack.get();
        }
        if (stack == null) {
            Path root = root();
            stack = LocalStack.start(new LocalStack.Options(root, root.resolve("devstack/target/bench-stack"),
                    0, 0, 0, 0, null, BENCH_SETTINGS, BENCH_SETTINGS));
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
        }
        return stack;
    }

    /** Where the figures go. */
    static Path resultsFile() {
        return full() ? root().resolve("benchmarks/results.md") : root().resolve("devstack/target/bench-smoke.md");
    }

    /**
     * CPU of every process involved: this JVM (Kafka, the simulator, the references run in-process) and its
     * children (the services, the load process, pods), and the embedded PostgreSQL with its backends.
     */
    static ProcCpu cpu() {
        List<Long> roots = new ArrayList<>(List.of(ProcessHandle.current().pid()));
        long pg = SharedPostgres.postmasterPid();
        if (pg > 0) {
            roots.add(pg);
        }
        return new ProcCpu(roots);
    }

    /** A window length: {@code full} in a benchmark run, {@code smoke} in the smoke run. */
    static long millis(long full, long smoke) {
        return full() ? Long.getLong("bench.windowMillis", full) : smoke;
    }
}
