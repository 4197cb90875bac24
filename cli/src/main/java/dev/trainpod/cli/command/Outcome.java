package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.Units;
import java.time.Duration;
import java.time.Instant;

/** How a followed deployment ended, for people: the outcome, its cost, and for a failure why and what to do. */
final class Outcome {

    private static final int LOG_LINES_SHOWN = 15;

    private Outcome() {
    }

    /** Prints the end of deployment {@code d} (text mode) and answers 0 if it succeeded, else the failure code. */
    static int report(Cli cli, JsonNode d) {
        String status = d.path("status").asText();
        String id = d.path("id").asText();
        int code = "SUCCEEDED".equals(status) ? ExitCode.OK : ExitCode.DEPLOYMENT_FAILED;
        if (cli.json()) {
            return code;
        }
        String took = "";
        if (d.hasNonNull("createdAt") && d.hasNonNull("endedAt")) {
            took = " after " + Units.duration(Duration.between(Instant.parse(d.get("createdAt").asText()),
                    Instant.parse(d.get("endedAt").asText())).getSeconds());
        }
        cli.out().println(status + (d.hasNonNull("reason") ? " (" + d.get("reason").asText() + ")" : "") + took
                + ", cost " + Text.money(d.get("costUsd")) + ".");
        if (code == ExitCode.OK) {
            cli.out().println("Artifacts: trainpod artifacts download " + id);
            return code;
        }
        if (d.hasNonNull("message")) {
            cli.out().println("  " + d.get("message").asText());
        }
        if (d.hasNonNull("exitCode")) {
            cli.out().println("  trainer exit code " + d.get("exitCode").asText());
        }
        if (d.hasNonNull("logTail") && !d.get("logTail").asText().isBlank()) {
            String[] lines = d.get("logTail").asText().split("\n");
            cli.out().println("  last log lines:");
            for (int i = Math.max(0, lines.length - LOG_LINES_SHOWN); i < lines.length; i++) {
                cli.out().println("    " + lines[i]);
            }
        }
        cli.out().println("hint: trainpod logs " + id + " shows its log; trainpod retry " + id + " runs it again.");
        return code;
    }
}
