package dev.trainpod.devstack;

import java.nio.file.Path;
import java.util.Map;

/**
 * One local stack shared by every integration test class of a test run (starting one takes half a minute); it
 * stops when the JVM exits. Tests that stop a service must start it again before they finish.
 */
public final class SharedStack {

    /** deploy-service settings that make its jobs run often enough for tests. */
    private static final Map<String, String> TEST_SETTINGS = Map.of(
            "trainpod.deploy.termination-interval", "1s",
            "trainpod.deploy.pod-status-interval", "1s");

    private static LocalStack stack;

    private SharedStack() {
    }

    public static synchronized LocalStack get() {
        if (stack == null) {
            Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
            stack = LocalStack.start(new LocalStack.Options(root, root.resolve("devstack/target/it-stack"),
                    0, 0, 0, 0, null, TEST_SETTINGS));
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
        }
        return stack;
    }
}
