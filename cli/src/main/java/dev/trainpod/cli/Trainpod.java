package dev.trainpod.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.command.ArtifactsCommand;
import dev.trainpod.cli.command.CancelCommand;
import dev.trainpod.cli.command.DatasetsCommand;
import dev.trainpod.cli.command.DeployCommand;
import dev.trainpod.cli.command.GpusCommand;
import dev.trainpod.cli.command.LoginCommand;
import dev.trainpod.cli.command.LogoutCommand;
import dev.trainpod.cli.command.LogsCommand;
import dev.trainpod.cli.command.RetryCommand;
import dev.trainpod.cli.command.SecretsCommand;
import dev.trainpod.cli.command.StatusCommand;
import dev.trainpod.cli.command.WatchCommand;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code trainpod}, the command line of Trainpod: sign in, upload datasets, deploy fine-tuning jobs, follow them,
 * fetch their artifacts. Every command prints for people or, with {@code --output json}, for scripts, and ends
 * with one of the {@link ExitCode exit codes}.
 */
@Command(name = "trainpod", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "trainpod 0.1.0",
        description = "Fine-tune LLMs on rented GPU pods with Trainpod.",
        subcommands = {LoginCommand.class, LogoutCommand.class, SecretsCommand.class, DatasetsCommand.class,
            GpusCommand.class, DeployCommand.class, StatusCommand.class, WatchCommand.class, LogsCommand.class,
            CancelCommand.class, RetryCommand.class, ArtifactsCommand.class})
public final class Trainpod implements Runnable {

    @Spec
    private CommandSpec spec;
    private final Cli cli;

    Trainpod(Cli cli) {
        this.cli = cli;
    }

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "text|json",
            description = "How to print results: text (default) or json, for scripts.")
    void output(Cli.Format format) {
        cli.format(format);
    }

    @Option(names = "--api-url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "Trainpod's API address (the gateway); default: TRAINPOD_API_URL or the one login stored.")
    void apiUrl(String url) {
        cli.apiUrl(url);
    }

    @Option(names = "--deploy-url", scope = ScopeType.INHERIT, paramLabel = "URL", hidden = true,
            description = "deploy-service's address, when the services are reached without a gateway.")
    void deployUrl(String url) {
        cli.deployUrl(url);
    }

    @Option(names = "--dataset-url", scope = ScopeType.INHERIT, paramLabel = "URL", hidden = true,
            description = "dataset-service's address, when the services are reached without a gateway.")
    void datasetUrl(String url) {
        cli.datasetUrl(url);
    }

    @Option(names = "--metrics-url", scope = ScopeType.INHERIT, paramLabel = "URL", hidden = true,
            description = "metrics-service's address, when the services are reached without a gateway.")
    void metricsUrl(String url) {
        cli.metricsUrl(url);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Name a command; trainpod --help lists them.");
    }

    public static void main(String[] args) {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Cli cli = new Cli(System.getenv(), System.out, System.err, in, System.console() != null);
        System.exit(run(cli, args));
    }

    /** Runs one command line and answers its exit code; prints problems, never a stack trace (unless TRAINPOD_DEBUG). */
    public static int run(Cli cli, String... args) {
        int code = commandLine(cli).execute(args);
        cli.out().flush();
        cli.err().flush();
        return code;
    }

    static CommandLine commandLine(Cli cli) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                try {
                    return type.getDeclaredConstructor(Cli.class).newInstance(cli);
                } catch (NoSuchMethodException e) {
                    return defaults.create(type);
                }
            }
        };
        CommandLine cmd = new CommandLine(new Trainpod(cli), factory);
        AutoComplete.GenerateCompletion completion = new AutoComplete.GenerateCompletion();
        CommandLine completionCmd = new CommandLine(completion, factory);
        completionCmd.getCommandSpec().usageMessage().hidden(false)
                .description("Prints a bash/zsh completion script: source <(trainpod completion)");
        cmd.addSubcommand("completion", completionCmd);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setOut(new PrintWriter(cli.out(), true));
        cmd.setErr(new PrintWriter(cli.err(), true));
        cmd.setExecutionExceptionHandler((e, line, parsed) -> report(cli, e));
        Map<String, String> codes = new LinkedHashMap<>();
        for (String entry : ExitCode.HELP_LIST) {
            String[] kv = entry.split(":", 2);
            codes.put(kv[0], kv[1]);
        }
        applyExitCodes(cmd, codes);
        return cmd;
    }

    private static void applyExitCodes(CommandLine cmd, Map<String, String> codes) {
        cmd.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        cmd.getSubcommands().values().forEach(sub -> applyExitCodes(sub, codes));
    }

    private static int report(Cli cli, Exception e) {
        if (!(e instanceof CliException problem)) {
            if ("1".equals(cli.env().get("TRAINPOD_DEBUG"))) {
                e.printStackTrace(cli.err());
            }
            String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return report(cli, new CliException(ExitCode.INTERNAL, "trainpod failed unexpectedly: " + what,
                    "Run again with TRAINPOD_DEBUG=1 to see where, and report it."));
        }
        if (cli.json()) {
            ObjectNode error = Cli.mapper().createObjectNode();
            error.put("message", problem.getMessage());
            error.put("exitCode", problem.exitCode());
            if (problem.hint() != null) {
                error.put("hint", problem.hint());
            }
            if (problem.problem() != null) {
                error.set("problem", problem.problem());
            }
            cli.err().println(Cli.mapper().createObjectNode().set("error", error).toString());
        } else {
            printProblem(cli.err(), problem);
        }
        return problem.exitCode();
    }

    /** The problem for a person: title, detail, each failing field with its hint, then what to do. */
    private static void printProblem(PrintStream err, CliException e) {
        err.println("error: " + e.getMessage());
        JsonNode p = e.problem();
        if (p != null) {
            if (p.hasNonNull("detail")) {
                err.println("  " + p.get("detail").asText());
            }
            for (JsonNode f : p.path("errors")) {
                String field = f.path("field").asText("");
                err.println("  " + (field.isEmpty() ? "" : field + ": ") + f.path("message").asText("")
                        + (f.hasNonNull("code") ? " [" + f.get("code").asText() + "]" : ""));
                if (f.hasNonNull("hint")) {
                    err.println("      hint: " + f.get("hint").asText());
                }
            }
        }
        if (e.hint() != null) {
            err.println("hint: " + e.hint());
        }
    }
}
