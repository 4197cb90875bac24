package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.api.Service;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code trainpod cancel ID}: ends a deployment; its pod is terminated in the background. */
@Command(name = "cancel", description = "Cancels a deployment; its pod is terminated at once, in the background.")
public final class CancelCommand implements Callable<Integer> {

    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "The deployment's id.")
    private UUID id;

    public CancelCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        JsonNode d = cli.api().send(Service.DEPLOY, "POST", "/api/v1/deployments/" + id + "/cancel", null, Map.of());
        if (cli.json()) {
            cli.printJson(d);
        } else {
            cli.out().println("Deployment " + id + " is " + Text.of(d, "status")
                    + "; its pod is being terminated (trainpod status " + id + " shows when it is gone).");
        }
        return ExitCode.OK;
    }
}
