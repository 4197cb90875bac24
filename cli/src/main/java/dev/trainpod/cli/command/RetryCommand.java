package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.api.Service;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code trainpod retry ID}: starts a failed or cancelled deployment again as a new one, with the same request. */
@Command(name = "retry", description = "Runs an ended deployment's request again, as a new deployment.")
public final class RetryCommand implements Callable<Integer> {

    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "The ended deployment's id.")
    private UUID id;

    @Option(names = "--watch", description = "Follow the new deployment until it ends (exit code as watch).")
    private boolean watch;

    public RetryCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        JsonNode d = cli.api().send(Service.DEPLOY, "POST", "/api/v1/deployments/" + id + "/retry", null, Map.of());
        String newId = d.path("id").asText();
        if (!watch) {
            if (cli.json()) {
                cli.printJson(d);
            } else {
                cli.out().println("Deployment " + newId + " retries " + id + " (" + Text.of(d, "status")
                        + "). Follow it: trainpod watch " + newId);
            }
            return ExitCode.OK;
        }
        if (!cli.json()) {
            cli.out().println("Deployment " + newId + " retries " + id + ".");
        }
        WatchCommand.Followed end = WatchCommand.follow(cli, newId, cli.json());
        if (cli.json()) {
            cli.printJson(end.deployment());
        }
        return end.exitCode();
    }
}
