package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.api.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code trainpod gpus}: RunPod's GPU catalog as read with the user's key: memory, prices, availability. */
@Command(name = "gpus", description = "Lists the GPU types you can deploy on, with memory, price and availability.")
public final class GpusCommand implements Callable<Integer> {

    private final Cli cli;

    public GpusCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        JsonNode all = cli.api().get(Service.DEPLOY, "/api/v1/gpu-types");
        if (cli.json()) {
            cli.printJson(all);
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode g : all) {
            rows.add(List.of(Text.of(g, "id"), Text.of(g, "memory") + " GB", Text.money(g.path("price").get("secure")),
                    Text.money(g.path("price").get("community")), Text.of(g, "availability")));
        }
        Text.table(cli.out(), List.of("GPU", "MEMORY", "SECURE/H", "COMMUNITY/H", "AVAILABILITY"), rows);
        return ExitCode.OK;
    }
}
