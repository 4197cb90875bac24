package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.api.ApiClient;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code trainpod watch ID}: a live progress line (status, phase, step, loss, ETA) until the deployment ends. */
@Command(name = "watch", description = {
    "Follows a deployment live (status, phase, step, loss, ETA) until it ends.",
    "Exits 0 when it SUCCEEDED, 4 when it FAILED or was CANCELLED.",
    "With --output json: one JSON object per event (metric, log, phase, status), the last {\"type\": \"end\", \"deployment\"}."})
public final class WatchCommand implements Callable<Integer> {

    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "The deployment's id.")
    private UUID id;

    public WatchCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        return follow(cli, id.toString(), false).exitCode();
    }

    /** The deployment at its end and the exit code it stands for. */
    record Followed(JsonNode deployment, int exitCode) {
    }

    /** Follows deployment {@code id} to its end, showing progress unless {@code quiet}, and reports the outcome. */
    static Followed follow(Cli cli, String id, boolean quiet) {
        ApiClient api = cli.api();
        ProgressView view = new ProgressView(cli, api, id, quiet);
        JsonNode deployment;
        try {
            deployment = new Follower(api, id).follow(view);
        } finally {
            view.close();
        }
        if (cli.json() && !quiet) {
            ObjectNode end = Cli.mapper().createObjectNode().put("type", "end");
            end.set("deployment", deployment);
            cli.printJsonLine(end);
        }
        return new Followed(deployment, Outcome.report(cli, deployment));
    }
}
