package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.Units;
import dev.trainpod.cli.api.ApiClient;
import dev.trainpod.cli.api.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What {@code trainpod watch} shows while a deployment runs: on a terminal, one line redrawn in place with the
 * status, phase, step of total, loss and the time left (from the stream's step rate); otherwise a line per change
 * of status or phase; with {@code --output json}, one JSON object per event.
 */
final class ProgressView implements Follower.Handler {

    /** How many recent points the step rate is measured over. */
    private static final int RATE_WINDOW = 20;
    private static final Duration PLAIN_PROGRESS_EVERY = Duration.ofSeconds(10);

    private final Cli cli;
    private final ApiClient api;
    private final String id;
    private final boolean quiet;
    private final Deque<double[]> recent = new ArrayDeque<>();
    private String status = "";
    private String phase = "";
    private Integer step;
    private Integer totalSteps;
    private Double loss;
    private Long serverEta;
    private boolean lineOpen;
    private Instant lastPlainLine = Instant.EPOCH;

    /**
     * @param quiet print nothing while following (deploy --watch --output json prints only its result)
     */
    ProgressView(Cli cli, ApiClient api, String id, boolean quiet) {
        this.cli = cli;
        this.api = api;
        this.id = id;
        this.quiet = quiet;
    }

    @Override
    public void event(String type, JsonNode data) {
        if (data == null) {
            return;
        }
        if ("metric".equals(type)) {
            if (data.hasNonNull("step")) {
                step = data.get("step").asInt();
                double t = data.hasNonNull("time") ? Instant.parse(data.get("time").asText()).toEpochMilli() / 1000.0
                        : System.currentTimeMillis() / 1000.0;
                recent.addLast(new double[] {t, step});
                if (recent.size() > RATE_WINDOW) {
                    recent.removeFirst();
                }
            }
            if (data.hasNonNull("loss")) {
                loss = data.get("loss").asDouble();
            }
        } else if ("phase".equals(type) && data.hasNonNull("phase")) {
            String next = data.get("phase").asText();
            if (!next.equals(phase)) {
                phase = next;
                changed();
            }
        }
        if (quiet || "log".equals(type) && !cli.json()) {
            return;
        }
        if (cli.json()) {
            ObjectNode o = Cli.mapper().createObjectNode().put("type", type);
            o.set("data", data);
            if ("metric".equals(type)) {
                o.put("totalSteps", totalSteps);
                o.put("etaSeconds", eta());
            }
            cli.printJsonLine(o);
        } else {
            draw(false);
        }
    }

    @Override
    public void status(JsonNode deployment) {
        String next = deployment.path("status").asText();
        if (!next.equals(status)) {
            status = next;
            if (cli.json() && !quiet) {
                cli.printJsonLine(Cli.mapper().createObjectNode().put("type", "status").put("status", status));
            } else if (phase.isEmpty()) {
                changed();
            }
        }
        if (totalSteps == null || "RUNNING".equals(status) || "STARTING".equals(status)) {
            readProgress();
        }
        if (!quiet && !cli.json()) {
            draw(false);
        }
    }

    /** Ends the live line, so that what follows starts on a line of its own. */
    void close() {
        if (lineOpen) {
            cli.out().println();
            lineOpen = false;
        }
    }

    /** The time left at the recent step rate, or the server's figure while there are too few points. */
    Long eta() {
        if (totalSteps == null || step == null) {
            return serverEta;
        }
        if (recent.size() >= 2) {
            double[] first = recent.peekFirst();
            double[] last = recent.peekLast();
            double rate = (last[1] - first[1]) / (last[0] - first[0]);
            if (rate > 0 && Double.isFinite(rate)) {
                return (long) Math.ceil((totalSteps - step) / rate);
            }
        }
        return serverEta;
    }

    /** The progress line: phase (or status before the pod reports one), step of total, loss, time left. */
    String line() {
        // the pod's phase says more than the deployment's status once there is one (and, replaying the stream of
        // an ended deployment, the status is already the last one)
        StringBuilder b = new StringBuilder(!phase.isEmpty() ? phase : status.isEmpty() ? "WAITING" : status);
        if (step != null) {
            b.append("  step ").append(step);
            if (totalSteps != null && totalSteps > 0) {
                b.append('/').append(totalSteps).append(String.format(" (%d%%)", Math.min(100, step * 100 / totalSteps)));
            }
        }
        if (loss != null) {
            b.append(String.format("  loss %.4f", loss));
        }
        Long eta = eta();
        if (eta != null && !Follower.TERMINAL.contains(status)) {
            b.append("  ETA ").append(Units.duration(eta));
        }
        return b.toString();
    }

    private void changed() {
        if (quiet || cli.json()) {
            return;
        }
        if (cli.terminal()) {
            draw(true);
        } else {
            cli.out().println(line());
            lastPlainLine = Instant.now();
        }
    }

    private void draw(boolean force) {
        if (cli.terminal()) {
            cli.out().print("\r\033[2K" + line());
            cli.out().flush();
            lineOpen = true;
        } else if (force || Instant.now().isAfter(lastPlainLine.plus(PLAIN_PROGRESS_EVERY)) && step != null) {
            cli.out().println(line());
            lastPlainLine = Instant.now();
        }
    }

    private void readProgress() {
        try {
            JsonNode p = api.get(Service.METRICS, "/api/v1/jobs/" + id + "/progress");
            if (p.hasNonNull("totalSteps")) {
                totalSteps = p.get("totalSteps").asInt();
            }
            serverEta = p.hasNonNull("etaSeconds") ? p.get("etaSeconds").asLong() : null;
        } catch (dev.trainpod.cli.CliException e) {
            // metrics-service may not know the job yet; the stream and deploy-service's status go on
        }
    }
}
