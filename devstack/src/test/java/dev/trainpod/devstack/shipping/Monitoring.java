package dev.trainpod.devstack.shipping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.devstack.LocalPrometheus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The monitoring files of {@code k8s/components/monitoring}: alerts, runbooks, dashboards, and promtool. */
public final class Monitoring {

    public static final String DIR = "k8s/components/monitoring";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Metric names in a query: Trainpod's own, Kafka clients', Quarkus' HTTP and JVM ones. */
    private static final Pattern METRIC = Pattern.compile(
            "\\b((?:trainpod|kafka|http_server|jvm|process)_[a-zA-Z0-9_]+)\\b");

    private Monitoring() {
    }

    /** Every dashboard by file name. */
    public static Map<String, JsonNode> dashboards() {
        try (Stream<Path> files = Files.list(Repo.path(DIR + "/dashboards"))) {
            Map<String, JsonNode> out = new LinkedHashMap<>();
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.put(f.getFileName().toString(), JSON.readTree(f.toFile()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One query of a dashboard panel. */
    public record PanelQuery(String dashboard, String panel, String expr) {
        @Override
        public String toString() {
            return dashboard + " / " + panel + ": " + expr;
        }
    }

    /** Every panel query of every dashboard. */
    public static List<PanelQuery> panelQueries() {
        List<PanelQuery> out = new ArrayList<>();
        dashboards().forEach((file, d) -> d.path("panels").forEach(p -> p.path("targets").forEach(t ->
                out.add(new PanelQuery(d.path("title").asText(), p.path("title").asText(),
                        t.path("expr").asText())))));
        return out;
    }

    /** The metric names a query reads (without Prometheus' own {@code up}). */
    public static Set<String> metricNames(String expr) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = METRIC.matcher(expr.replaceAll("\"[^\"]*\"", "\"\""));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** The alerts of the PrometheusRule: name → the rule (alert, expr, for, labels, annotations). */
    public static Map<String, JsonNode> alerts() {
        JsonNode rule = Repo.documents(Repo.read(LocalPrometheus.RULE)).get(0);
        Map<String, JsonNode> alerts = new LinkedHashMap<>();
        rule.at("/spec/groups").forEach(g -> g.path("rules").forEach(r -> {
            if (r.hasNonNull("alert")) {
                alerts.put(r.path("alert").asText(), r);
            }
        }));
        return alerts;
    }

    /** Runs promtool with the arguments; answers its output, asserting it exited 0. */
    public static String promtool(Path workDir, String... args) {
        Path promtool = LocalPrometheus.promtool().orElseThrow(() -> new AssertionError(
                "promtool is needed (Debian: apt-get install prometheus; .ci/run installs it)"));
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
            assertThat(p.exitValue()).as("promtool " + String.join(" ", args) + ":\n" + out).isZero();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
