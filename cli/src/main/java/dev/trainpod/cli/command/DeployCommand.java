package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.api.ApiClient;
import dev.trainpod.cli.api.Service;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trainpod deploy}: a fine-tuning job from a job file and/or flags. It prints the estimate (runtime and
 * dollars, low–high) and asks before anything is billed; {@code --yes} skips the question. The request carries an
 * idempotency key, so a retried call cannot start the job twice.
 */
@Command(name = "deploy", description = {
    "Starts a fine-tuning job from a job file (-f job.yaml or .json: the API's deployment body) and/or flags.",
    "Prints the estimate and asks before anything is billed (--yes: do not ask; without a terminal it must be given).",
    "With --output json: {\"estimate\", \"deployment\"}."})
public final class DeployCommand implements Callable<Integer> {

    private final Cli cli;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The job file (YAML or JSON).")
    private Path file;

    @Option(names = "--dataset", paramLabel = "ID", description = "The dataset's id.")
    private UUID dataset;

    @Option(names = "--model", paramLabel = "NAME", description = "The base model, e.g. Qwen/Qwen2.5-0.5B.")
    private String model;

    @Option(names = "--method", paramLabel = "SFT|DPO", description = "The training method.")
    private String method;

    @Option(names = "--gpu", paramLabel = "TYPE", description = "A GPU type; repeat in order of preference.")
    private List<String> gpus;

    @Option(names = "--gpu-count", paramLabel = "N", description = "GPUs per pod (default 1).")
    private Integer gpuCount;

    @Option(names = "--cloud", paramLabel = "SECURE|COMMUNITY", description = "RunPod's cloud (default SECURE).")
    private String cloud;

    @Option(names = "--max-runtime", paramLabel = "MINUTES", description = "Stop the job after this long.")
    private Integer maxRuntime;

    @Option(names = "--max-cost", paramLabel = "USD", description = "Stop the job when it has cost this much.")
    private BigDecimal maxCost;

    @Option(names = "--idle-minutes", paramLabel = "MINUTES", description = "Stop the job when its GPUs idle this long.")
    private Integer idleMinutes;

    @Option(names = "--capacity-wait", paramLabel = "MINUTES",
            description = "Keep trying this long when no GPU candidate has capacity (default 0).")
    private Integer capacityWait;

    @Option(names = "--hp", paramLabel = "NAME=VALUE", description = "A hyperparameter, e.g. --hp epochs=2 --hp learningRate=2e-4.")
    private Map<String, String> hyperparameters;

    @Option(names = "--image", paramLabel = "IMAGE", description = "The pod's container image (default: the trainer's).")
    private String image;

    @Option(names = "--simulate-steps", paramLabel = "N", description = "Local stack only: the simulated trainer's steps.")
    private Integer simulateSteps;

    @Option(names = "--simulate-step-seconds", paramLabel = "S", description = "Local stack only: seconds per simulated step.")
    private Double simulateStepSeconds;

    @Option(names = "--simulate-fail-at-step", paramLabel = "N", description = "Local stack only: fail at this step.")
    private Integer simulateFailAt;

    @Option(names = {"-y", "--yes"}, description = "Deploy without asking to confirm the estimate.")
    private boolean yes;

    @Option(names = "--dry-run", description = "Print the estimate only; deploy nothing.")
    private boolean dryRun;

    @Option(names = "--watch", description = "Follow the deployment until it ends (exit code as watch).")
    private boolean watch;

    public DeployCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        ObjectNode body = file == null ? Cli.mapper().createObjectNode() : JobFile.read(file);
        applyFlags(body);
        ApiClient api = cli.api();
        JsonNode estimate = api.send(Service.DEPLOY, "POST", "/api/v1/estimates", body, Map.of());
        ObjectNode result = Cli.mapper().createObjectNode();
        result.set("estimate", estimate);
        if (!cli.json()) {
            printEstimate(estimate, body);
        }
        if (dryRun) {
            if (cli.json()) {
                cli.printJson(result);
            }
            return ExitCode.OK;
        }
        if (!yes) {
            confirm(body);
        }
        JsonNode deployment = api.send(Service.DEPLOY, "POST", "/api/v1/deployments", body,
                Map.of("Idempotency-Key", UUID.randomUUID().toString()));
        String id = deployment.path("id").asText();
        if (!watch) {
            if (cli.json()) {
                result.set("deployment", deployment);
                cli.printJson(result);
            } else {
                cli.out().println("Deployment " + id + " accepted (" + Text.of(deployment, "status") + ").");
                cli.out().println("Follow it: trainpod watch " + id);
            }
            return ExitCode.OK;
        }
        if (!cli.json()) {
            cli.out().println("Deployment " + id + " accepted; following it (Ctrl-C stops following, not the job).");
        }
        WatchCommand.Followed end = WatchCommand.follow(cli, id, cli.json());
        if (cli.json()) {
            result.set("deployment", end.deployment());
            cli.printJson(result);
        }
        return end.exitCode();
    }

    private void confirm(JsonNode body) {
        String limit = body.path("limits").hasNonNull("maxCostUsd")
                ? " (at most " + Text.money(body.path("limits").get("maxCostUsd")) + ", its limit)" : "";
        cli.err().print("Start it? This bills your RunPod account" + limit + ". [y/N] ");
        cli.err().flush();
        String answer = cli.readLine();
        if (answer == null) {
            cli.err().println();
        }
        if (answer == null || !(answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"))) {
            throw new CliException(ExitCode.NOT_CONFIRMED, "Not confirmed; nothing was deployed.",
                    answer == null ? "Pass --yes to deploy without being asked (scripts, CI)." : null);
        }
    }

    private void printEstimate(JsonNode e, JsonNode body) {
        var out = cli.out();
        out.println("Estimate on " + Text.of(e, "gpuType") + " at " + Text.money(e.get("pricePerHour")) + "/h"
                + (e.hasNonNull("memoryNeededGb") ? String.format(", needs about %.1f GB of GPU memory",
                e.get("memoryNeededGb").asDouble()) : "") + ":");
        out.println("  runtime  " + range(e.path("runtimeMinutes"), false) + " minutes");
        out.println("  cost     " + range(e.path("costUsd"), true)
                + (body.path("limits").hasNonNull("maxCostUsd") ? "   (limit " + Text.money(body.path("limits")
                .get("maxCostUsd")) + ")" : ""));
        for (JsonNode a : e.path("assumptions")) {
            out.println("  - " + a.asText());
        }
    }

    private static String range(JsonNode r, boolean money) {
        return money ? Text.money(r.get("low")) + " – " + Text.money(r.get("high"))
                : r.path("low").asText("?") + " – " + r.path("high").asText("?");
    }

    private void applyFlags(ObjectNode body) {
        if (dataset != null) {
            body.put("datasetId", dataset.toString());
        }
        if (model != null) {
            body.put("baseModel", model);
        }
        if (method != null) {
            body.put("method", method);
        }
        if (image != null) {
            body.put("image", image);
        }
        if (gpus != null || gpuCount != null || cloud != null) {
            ObjectNode gpu = object(body, "gpu");
            if (gpus != null) {
                ArrayNode types = gpu.putArray("types");
                gpus.forEach(types::add);
            }
            putIfSet(gpu, "count", gpuCount);
            if (cloud != null) {
                gpu.put("cloud", cloud);
            }
        }
        if (maxRuntime != null || maxCost != null || idleMinutes != null || capacityWait != null) {
            ObjectNode limits = object(body, "limits");
            putIfSet(limits, "maxRuntimeMinutes", maxRuntime);
            if (maxCost != null) {
                limits.put("maxCostUsd", maxCost);
            }
            putIfSet(limits, "idleMinutes", idleMinutes);
            putIfSet(limits, "capacityWaitMinutes", capacityWait);
        }
        if (hyperparameters != null) {
            ObjectNode hp = object(body, "hyperparameters");
            hyperparameters.forEach((k, v) -> hp.set(k, JobFile.value(v)));
        }
        if (simulateSteps != null || simulateStepSeconds != null || simulateFailAt != null) {
            ObjectNode sim = object(body, "simulation");
            putIfSet(sim, "steps", simulateSteps);
            if (simulateStepSeconds != null) {
                sim.put("stepSeconds", simulateStepSeconds);
            }
            putIfSet(sim, "failAtStep", simulateFailAt);
        }
    }

    private static ObjectNode object(ObjectNode body, String field) {
        JsonNode existing = body.get(field);
        return existing instanceof ObjectNode o ? o : body.putObject(field);
    }

    private static void putIfSet(ObjectNode node, String field, Integer value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
