package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.api.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code trainpod secrets}: the RunPod API key and the Hugging Face token, stored sealed by deploy-service. Values
 * are read from standard input or a file, never from the command line (where other users' {@code ps} would see
 * them), and never printed back: only their last four characters.
 */
@Command(name = "secrets", description = "Stores, shows (last 4 characters) and deletes your RunPod key and Hugging Face token.",
        subcommands = {SecretsCommand.Set.class, SecretsCommand.Show.class, SecretsCommand.Delete.class})
public final class SecretsCommand {

    /** Which secret: the path under {@code /api/v1/secrets/} and the JSON field its value goes in. */
    enum Kind {
        RUNPOD("runpod", "apiKey"),
        HUGGINGFACE("huggingface", "token");

        final String path;
        final String field;

        Kind(String path, String field) {
            this.path = path;
            this.field = field;
        }
    }

    /** {@code trainpod secrets set KIND}. */
    @Command(name = "set", description = "Stores a secret read from standard input (or --from-file): runpod or huggingface.")
    public static final class Set implements Callable<Integer> {

        private final Cli cli;

        @Parameters(paramLabel = "runpod|huggingface", description = "Which secret.")
        private Kind kind;

        @Option(names = "--from-file", paramLabel = "FILE", description = "Read the value from FILE.")
        private Path file;

        public Set(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            String value = read();
            cli.api().send(Service.DEPLOY, "PUT", "/api/v1/secrets/" + kind.path,
                    Cli.mapper().createObjectNode().put(kind.field, value), Map.of());
            JsonNode status = cli.api().get(Service.DEPLOY, "/api/v1/secrets/" + kind.path);
            if (cli.json()) {
                cli.printJson(status);
            } else {
                cli.out().println("Stored your " + kind.path + " secret (ending in " + status.path("last4").asText() + ").");
            }
            return ExitCode.OK;
        }

        private String read() {
            String text;
            try {
                text = file == null ? cli.readLine() : Files.readString(file);
            } catch (IOException e) {
                throw CliException.usage("Cannot read " + file + ": " + e.getMessage());
            }
            String value = text == null ? "" : text.strip();
            if (value.isEmpty()) {
                throw CliException.usage("No value read: pipe it in (trainpod secrets set " + kind.path
                        + " < file) or pass --from-file FILE.");
            }
            return value;
        }
    }

    /** {@code trainpod secrets show}. */
    @Command(name = "show", description = "Shows which secrets are stored (their last 4 characters).")
    public static final class Show implements Callable<Integer> {

        private final Cli cli;

        public Show(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            ObjectNode all = Cli.mapper().createObjectNode();
            for (Kind k : Kind.values()) {
                all.set(k.path, cli.api().get(Service.DEPLOY, "/api/v1/secrets/" + k.path));
            }
            if (cli.json()) {
                cli.printJson(all);
            } else {
                Text.table(cli.out(), List.of("SECRET", "STORED", "ENDS IN"), List.of(
                        row("runpod", all.path("runpod")), row("huggingface", all.path("huggingface"))));
            }
            return ExitCode.OK;
        }

        private static List<String> row(String name, JsonNode status) {
            boolean stored = status.path("configured").asBoolean();
            return List.of(name, stored ? "yes" : "no", stored ? Text.of(status, "last4") : "-");
        }
    }

    /** {@code trainpod secrets delete KIND}. */
    @Command(name = "delete", description = "Deletes a stored secret: runpod or huggingface.")
    public static final class Delete implements Callable<Integer> {

        private final Cli cli;

        @Parameters(paramLabel = "runpod|huggingface", description = "Which secret.")
        private Kind kind;

        public Delete(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            cli.api().send(Service.DEPLOY, "DELETE", "/api/v1/secrets/" + kind.path, null, Map.of());
            if (cli.json()) {
                cli.printJson(Cli.mapper().createObjectNode().put("deleted", kind.path));
            } else {
                cli.out().println("Deleted your " + kind.path + " secret.");
            }
            return ExitCode.OK;
        }
    }
}
