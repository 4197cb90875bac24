package dev.trainpod.devstack.runpod;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/** One run of a pod's container command as a local {@code bash -c} process tree. */
final class Container {

    private static final long OUTPUT_DRAIN_MILLIS = 500;
    private static final long KILL_WAIT_SECONDS = 5;
    private static final long POLL_MILLIS = 10;
    private static final Path PROC = Path.of("/proc");
    private static final System.Logger LOG = System.getLogger(Container.class.getName());

    private final Process process;

    private Container(Process process) {
        this.process = process;
    }

    /**
     * Starts the command with exactly the given environment; every output line goes to {@code onLine},
     * and {@code onExit} gets the exit code once the process has ended and its output is read.
     */
    static Container launch(Path workDir, Map<String, String> env, String command, Consumer<String> onLine,
                            IntConsumer onExit, Executor io) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", command)
                .directory(workDir.toFile())
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<Void> output = CompletableFuture.runAsync(() -> pump(process, onLine), io);
        process.onExit().thenRunAsync(() -> {
            awaitQuietly(output);
            onExit.accept(process.exitValue());
        }, io);
        return new Container(process);
    }

    /** Kills the process and everything it started, and waits until none of them runs any more. */
    void kill() {
        // Snapshot first: once the parent dies its children are re-parented and no longer its descendants.
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitDeath(process.toHandle());
        tree.forEach(Container::awaitDeath);
    }

    /**
     * Whether the process still runs. A zombie does not: under an init that never reaps (as in some
     * containers) killed grandchildren stay zombies for good, and the JDK reports those as alive.
     */
    static boolean isRunning(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return false;
        }
        if (!Files.isDirectory(PROC)) {
            return true;
        }
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(handle.pid())).resolve("stat"));
            // The state letter follows the command name, which is in parentheses and may contain any byte.
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private static void pump(Process process, Consumer<String> onLine) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                onLine.accept(line);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "output of process " + process.pid() + " ended early", e);
        }
    }

    /** Waits briefly for the output to drain: an orphaned grandchild may hold the pipe open for good. */
    private static void awaitQuietly(CompletableFuture<Void> output) {
        try {
            output.get(OUTPUT_DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "container output not fully read before its exit", e);
        }
    }

    private static void awaitDeath(ProcessHandle handle) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(KILL_WAIT_SECONDS);
        while (isRunning(handle)) {
            if (System.nanoTime() > deadline) {
                LOG.log(System.Logger.Level.WARNING, "process " + handle.pid() + " survived SIGKILL");
                return;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
