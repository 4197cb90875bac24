package dev.trainpod.devstack;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of {@code ./run-local}: starts the local stack, writes {@code .devstack/env}, and either runs the
 * demo ({@code --demo}, exit code 0 only on success) or waits for Ctrl-C / SIGTERM and stops everything.
 */
public final class DevStack {

    private DevStack() {
    }

    public static void main(String[] args) {
        List<String> argList = List.of(args);
        boolean demo = argList.contains("--demo");
        Path root = Path.of(System.getProperty("trainpod.root", ".")).toAbsolutePath().normalize();
        LocalStack.Options options = new LocalStack.Options(root, root.resolve(".devstack"),
                envPort("TRAINPOD_DEPLOY_PORT", 8081), envPort("TRAINPOD_DATASET_PORT", 8082),
                envPort("TRAINPOD_METRICS_PORT", 8083), envPort("TRAINPOD_RUNPOD_SIM_PORT", 8090),
                blankToNull(System.getenv("RUNPOD_API_URL")));
        LocalStack stack = LocalStack.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LocalStack.log("stopping");
            stack.close();
            stopped.countDown();
        }));
        Path env = stack.writeEnv(root.resolve(".devstack/env"));
        LocalStack.log("ready; addresses and tokens in " + root.relativize(env));
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

    private static int envPort(String name, int fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
