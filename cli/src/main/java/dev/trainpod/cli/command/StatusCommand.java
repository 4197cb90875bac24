package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.Units;
import dev.trainpod.cli.api.ApiClient;
import dev.trainpod.cli.api.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code trainpod status [ID]}: every deployment in a table, or one deployment with its progress and the timeline
 * of its status changes.
 */
@Command(name = "status", description = {
    "Lists your deployments, or shows one: status, cost, progress and its timeline.",
    "With --output json and an ID: {\"deployment\", \"progress\" (null before the pod reports), \"events\"}."})
public final class StatusCommand implements Callable<Integer> {

    private final Cli cli;

    @Parameters(paramLabel = "ID", arity = "0..1", description = "A deployment's id; none lists them all.")
    private UUID id;

    public StatusCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        ApiClient api = cli.api();
        if (id == null) {
            JsonNode all = api.get(Service.DEPLOY, "/api/v1/deployments");
            if (cli.json()) {
                cli.printJson(all);
                return ExitCode.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode d : all) {
                rows.add(List.of(Text.of(d, "id"), Text.of(d, "status"), Text.of(d, "baseModel"), Text.of(d, "method"),
                        Text.of(d, "gpuType"), Text.money(d.get("costUsd")), Text.of(d, "createdAt"), Text.of(d, "reason")));
            }
            Text.table(cli.out(), List.of("ID", "STATUS", "MODEL", "METHOD", "GPU", "COST", "CREATED", "REASON"), rows);
            return ExitCode.OK;
        }
        JsonNode d = api.get(Service.DEPLOY, "/api/v1/deployments/" + id);
        JsonNode events = api.get(Service.DEPLOY, "/api/v1/deployments/" + id + "/events");
        JsonNode progress = progress(api);
        if (cli.json()) {
            ObjectNode o = Cli.mapper().createObjectNode();
            o.set("deployment", d);
            o.set("progress", progress);
            o.set("events", events);
            cli.printJson(o);
            return ExitCode.OK;
        }
        print(d, progress, events);
        return ExitCode.OK;
    }

    private JsonNode progress(ApiClient api) {
        try {
            return api.get(Service.METRICS, "/api/v1/jobs/" + id + "/progress");
        } catch (CliException e) {
            if (e.exitCode() == ExitCode.REFUSED) {
                return null;
            }
            throw e;
        }
    }

    private void print(JsonNode d, JsonNode progress, JsonNode events) {
        var out = cli.out();
        out.println("Deployment " + id + "  " + Text.of(d, "status")
                + (d.hasNonNull("reason") ? " (" + d.get("reason").asText() + ")" : ""));
        if (d.hasNonNull("message")) {
            out.println("  " + d.get("message").asText());
        }
        out.println("  model    " + Text.of(d, "baseModel") + " (" + Text.of(d, "method") + "), dataset "
                + Text.of(d, "datasetId"));
        out.println("  gpu      " + Text.of(d, "gpuType") + " x" + d.path("gpuCount").asInt(1) + ", "
                + Text.of(d, "cloud") + (d.hasNonNull("costPerHour") ? ", " + Text.money(d.get("costPerHour")) + "/h" : ""));
        out.println("  cost     " + Text.money(d.get("costUsd")) + (d.hasNonNull("billedSeconds")
                ? " for " + Units.duration(d.get("billedSeconds").asLong()) + " billed" : ""));
        if (d.hasNonNull("retryOf")) {
            out.println("  retries  " + d.get("retryOf").asText());
        }
        if (progress != null) {
            String step = progress.hasNonNull("step") ? progress.get("step").asText()
                    + (progress.hasNonNull("totalSteps") ? "/" + progress.get("totalSteps").asText() : "") : "-";
            out.println("  progress " + Text.of(progress, "phase").toLowerCase() + ", step " + step
                    + (progress.hasNonNull("loss") ? String.format(", loss %.4f", progress.get("loss").asDouble()) : "")
                    + (progress.hasNonNull("etaSeconds") ? ", ETA " + Units.duration(progress.get("etaSeconds").asLong()) : ""));
        }
        out.println("  timeline");
        for (JsonNode e : events) {
            out.println("    " + Text.of(e, "at") + "  " + String.format("%-12s", Text.of(e, "status"))
                    + (e.hasNonNull("reason") ? " (" + e.get("reason").asText() + ")" : "")
                    + (e.hasNonNull("message") ? "  " + e.get("message").asText() : ""));
        }
        if (d.hasNonNull("logTail") && "FAILED".equals(d.path("status").asText())) {
            out.println("  last log lines");
            for (String line : d.get("logTail").asText().split("\n")) {
                out.println("    " + line);
            }
        }
    }
}
