package dev.trainpod.devstack;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of {@code ./run-local}: starts the local stack, writes {@code .devstack/env}, and either runs the
 * demo ({@code --demo}, exit code 0 only on success) or waits for Ctrl-C / SIGTERM and stops everything. With
 * {@code --with-prometheus}, Debian's Prometheus runs beside it (port {@code TRAINPOD_PROMETHEUS_PORT}, 9090)
 * with Trainpod's alerts, if it is installed. The console is served by nginx on {@code TRAINPOD_GATEWAY_PORT} (8080),
 * signing in at the stand-in OIDC provider on {@code TRAINPOD_OIDC_PORT} (8085).
 */
public final class DevStack {

    private DevStack() {
    }

    public static void main(String[] args) {
        List<String> argList = List.of(args);
        boolean demo = argList.contains("--demo");
        boolean withPrometheus = argList.contains("--with-prometheus");
        Path root = Path.of(System.getProperty("trainpod.root", ".")).toAbsolutePath().normalize();
        // TRAINPOD_STATE_DIR: another state folder than .devstack (QuietDemoIT runs a second stack beside the ITs').
        Path state = Optional.ofNullable(blankToNull(System.getenv("TRAINPOD_STATE_DIR"))).map(Path::of)
                .orElse(root.resolve(".devstack")).toAbsolutePath();
        Path infrastructureLog = InfrastructureLogs.toFile(state.resolve("logs"));
        LocalStack.Options options = new LocalStack.Options(root, state,
                envPort("TRAINPOD_DEPLOY_PORT", 8081), envPort("TRAINPOD_DATASET_PORT", 8082),
                envPort("TRAINPOD_METRICS_PORT", 8083), envPort("TRAINPOD_RUNPOD_SIM_PORT", 8090),
                blankToNull(System.getenv("RUNPOD_API_URL")));
        LocalStack stack = LocalStack.start(options);
        stack.startFrontDoor(envPort("TRAINPOD_GATEWAY_PORT", 8080), envPort("TRAINPOD_OIDC_PORT", 8085));
        LocalPrometheus prometheus = withPrometheus ? prometheus(root, stack) : null;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LocalStack.log("stopping");
            if (prometheus != null) {
                prometheus.close();
            }
            stack.close();
            stopped.countDown();
        }));
        Path env = stack.writeEnv(state.resolve("env"));
        if (stack.gatewayUrl() != null) {
            LocalStack.log("console on " + stack.gatewayUrl() + "/ (sign in with any user name, e.g. demo-user;"
                    + " the RunPod key to store is RUNPOD_SIM_API_KEY in " + root.relativize(env) + ")");
            LocalStack.log("API reference on " + stack.gatewayUrl() + "/api/docs/, problem pages under "
                    + stack.gatewayUrl() + "/problems/");
        }
        LocalStack.log("ready; addresses and tokens in " + root.relativize(env) + ", logs in "
                + root.relativize(infrastructureLog.getParent()) + "/");
        if (demo) {
            boolean ok;
            try {
                ok = new Demo(stack).run(root.resolve("examples/sft-messages.jsonl"));
            } catch (RuntimeException e) {
                System.out.println("[demo] failed: " + e.getMessage());
                ok = false;
            }
            System.out.println(ok ? "[demo] SUCCEEDED" : "[demo] FAILED");
            System.exit(ok ? 0 : 1);
        }
        LocalStack.log("press Ctrl-C to stop");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts Prometheus beside the stack, or says how to install it (and runs on without it). */
    private static LocalPrometheus prometheus(Path root, LocalStack stack) {
        Optional<Path> binary = LocalPrometheus.binary();
        if (binary.isEmpty()) {
            LocalStack.log("--with-prometheus: no prometheus binary found; install Debian's package"
                    + " (sudo apt-get install prometheus) and run again. Going on without it.");
            return null;
        }
        int port = envPort("TRAINPOD_PROMETHEUS_PORT", 9090);
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("deploy-service", hostPort(stack.deployUrl()));
        targets.put("dataset-service", hostPort(stack.datasetUrl()));
        targets.put("metrics-service", hostPort(stack.metricsUrl()));
        try {
            LocalPrometheus p = LocalPrometheus.start(binary.get(), root, root.resolve(".devstack/prometheus"), port,
                    targets, Duration.ofSeconds(5), false);
            LocalStack.log("Prometheus on " + p.url() + " (alerts: " + p.url() + "/alerts), scraping the services"
                    + " every 5 s; its files are in .devstack/prometheus");
            return p;
        } catch (RuntimeException e) {
            LocalStack.log("--with-prometheus: Prometheus did not start (" + e.getMessage()
                    + "); is port " + port + " free? Set TRAINPOD_PROMETHEUS_PORT. Going on without it.");
            return null;
        }
    }

    private static String hostPort(String url) {
        URI u = URI.create(url);
        return u.getHost() + ":" + u.getPort();
    }

    private static int envPort(String name, int fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
