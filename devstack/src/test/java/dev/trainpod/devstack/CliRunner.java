package dev.trainpod.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.Trainpod;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the trainpod CLI for the integration tests: in this JVM (fast; the same code path as the launcher's main) or
 * as the real launcher process {@code cli/trainpod}, with an environment of its own (settings directory, service
 * addresses) so that nothing touches the developer's own settings.
 */
final class CliRunner {

    /** What one run printed and its exit code. */
    record Run(int code, String out, String err) {

        /** Standard output as one JSON document. */
        JsonNode json() {
            return parse(out);
        }

        /** Standard error's JSON error object ({@code --output json}). */
        JsonNode error() {
            return parse(err).path("error");
        }

        /** Standard output as JSON lines (watch, logs -f). */
        List<JsonNode> jsonLines() {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    lines.add(parse(line));
                }
            }
            return lines;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }

        private static JsonNode parse(String text) {
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Map<String, String> env;

    CliRunner(Path root, Map<String, String> env) {
        this.root = root;
        this.env = Map.copyOf(env);
    }

    /** The same runner with some variables changed. */
    CliRunner with(Map<String, String> changes) {
        Map<String, String> e = new HashMap<>(env);
        e.putAll(changes);
        return new CliRunner(root, e);
    }

    /** Runs a command line in this JVM with {@code stdin} as the person's input. */
    Run answering(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Cli cli = new Cli(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new BufferedReader(new StringReader(stdin)), false);
        int code = Trainpod.run(cli, args);
        return transcribed(args, new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)));
    }

    /** Appends the run to {@code cli-transcript.log} beside the settings, so that a failure can be read whole. */
    private Run transcribed(String[] args, Run run) {
        Path transcript = Path.of(env.get("TRAINPOD_CONFIG_DIR")).resolveSibling("cli-transcript.log");
        try {
            Files.writeString(transcript, "$ trainpod " + String.join(" ", args) + "\n" + run + "\n\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return run;
    }

    Run run(String... args) {
        return answering("", args);
    }

    /** A command running in this JVM on a thread of its own, whose output can be read while it runs. */
    record Running(java.util.concurrent.CompletableFuture<Integer> code, ByteArrayOutputStream out,
                   ByteArrayOutputStream err) {

        String errSoFar() {
            return err.toString(StandardCharsets.UTF_8);
        }

        Run await() throws Exception {
            int exit = code.get(60, TimeUnit.SECONDS);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), errSoFar());
        }
    }

    /** Starts a command line in this JVM without waiting for it (login, which waits for the person). */
    Running begin(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Cli cli = new Cli(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new BufferedReader(new StringReader("")), false);
        return new Running(java.util.concurrent.CompletableFuture.supplyAsync(() -> Trainpod.run(cli, args)), out, err);
    }

    /** Starts the launcher {@code cli/trainpod} as a process of its own (stdin closed, output to files). */
    Process start(Path outFile, String... args) {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("cli/trainpod").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(outFile.toFile()).redirectError(Path.of(outFile + ".err").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TRAINPOD_") || k.equals("XDG_CONFIG_HOME"));
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the launcher to its end. */
    Run launch(Path workDir, String... args) {
        try {
            Path outFile = Files.createTempFile(workDir, "launch-", ".out");
            Process p = start(outFile, args);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("trainpod " + String.join(" ", args) + " did not end in 120 s");
            }
            return transcribed(args, new Run(p.exitValue(), Files.readString(outFile),
                    Files.readString(Path.of(outFile + ".err"))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
