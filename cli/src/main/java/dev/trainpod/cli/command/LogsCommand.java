package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.api.Service;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code trainpod logs ID}: the job's latest log lines, or with {@code -f} its whole log, live, until it ends. */
@Command(name = "logs", description = {
    "Prints a deployment's latest log lines; with -f, its whole log from the start and live until it ends.",
    "With --output json and -f: one JSON object per line ({\"line\", \"time\"})."})
public final class LogsCommand implements Callable<Integer> {

    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "The deployment's id.")
    private UUID id;

    @Option(names = {"-f", "--follow"}, description = "Follow the log until the deployment ends.")
    private boolean follow;

    @Option(names = {"-n", "--tail"}, paramLabel = "N", description = "How many of the latest lines (default: the service's).")
    private Integer tail;

    public LogsCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        if (!follow) {
            JsonNode logs = cli.api().get(Service.METRICS, "/api/v1/jobs/" + id + "/logs"
                    + (tail == null ? "" : "?tail=" + tail));
            if (cli.json()) {
                cli.printJson(logs);
            } else {
                if (logs.path("dropped").asLong() > 0) {
                    cli.out().println("(" + logs.get("dropped").asLong() + " older lines were dropped by the service)");
                }
                logs.path("lines").forEach(l -> cli.out().println(l.asText()));
            }
            return ExitCode.OK;
        }
        new Follower(cli.api(), id.toString()).follow(new Follower.Handler() {
            @Override
            public void event(String type, JsonNode data) {
                if (!"log".equals(type) || data == null) {
                    return;
                }
                if (cli.json()) {
                    cli.printJsonLine(data);
                } else {
                    cli.out().println(data.path("line").asText());
                    cli.out().flush();
                }
            }

            @Override
            public void status(JsonNode deployment) {
            }
        });
        return ExitCode.OK;
    }
}
