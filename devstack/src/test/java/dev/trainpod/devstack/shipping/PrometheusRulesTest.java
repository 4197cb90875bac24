package dev.trainpod.devstack.shipping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.LocalPrometheus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerts of {@code k8s/components/monitoring/prometheus-rule.yaml}: valid for {@code promtool check rules},
 * each fired (and, where a threshold matters, not fired) by a {@code promtool test rules} case in
 * {@code prometheus/alerts-test.yaml}, each with a runbook that says what it means and what to do; and the
 * production overlay ships a ServiceMonitor per service, the rule and the dashboards.
 */
class PrometheusRulesTest {

    @TempDir
    Path dir;

    @Test
    void rulesPassPromtoolCheckAndTheUnitTestsOfEveryAlert() throws IOException {
        Files.writeString(dir.resolve("trainpod-rules.yaml"), LocalPrometheus.rules(Repo.ROOT, false));
        Files.writeString(dir.resolve("immediate-rules.yaml"), LocalPrometheus.rules(Repo.ROOT, true));
        try (InputStream in = getClass().getResourceAsStream("/prometheus/alerts-test.yaml")) {
            Files.write(dir.resolve("alerts-test.yaml"), in.readAllBytes());
        }
        assertThat(Monitoring.promtool(dir, "check", "rules", "trainpod-rules.yaml", "immediate-rules.yaml"))
                .contains("SUCCESS: " + Monitoring.alerts().size() + " rules found");
        assertThat(Monitoring.promtool(dir, "test", "rules", "alerts-test.yaml")).contains("SUCCESS");
    }

    @Test
    void theUnitTestsFailWhenAnAlertIsBroken() throws IOException {
        // The same tests against rules whose leak alert never fires: promtool must say so (the tests can fail).
        String broken = LocalPrometheus.rules(Repo.ROOT, false)
                .replace("max(trainpod_reconciler_leaked_pods) > 0", "max(trainpod_reconciler_leaked_pods) > 1")
                .replace("max(trainpod_reconciler_deployment_pods)) > 0", "max(trainpod_reconciler_deployment_pods)) > 9");
        Files.writeString(dir.resolve("trainpod-rules.yaml"), broken);
        try (InputStream in = getClass().getResourceAsStream("/prometheus/alerts-test.yaml")) {
            Files.write(dir.resolve("alerts-test.yaml"), in.readAllBytes());
        }
        Path promtool = LocalPrometheus.promtool().orElseThrow();
        Process p = new ProcessBuilder(promtool.toString(), "test", "rules", "alerts-test.yaml")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(waitFor(p)).as(out).isNotZero();
        assertThat(out).contains("TrainpodPodLeak");
    }

    @Test
    void everyAlertIsFiredByAUnitTestAndHasARunbook() throws IOException {
        String tests;
        try (InputStream in = getClass().getResourceAsStream("/prometheus/alerts-test.yaml")) {
            tests = new String(in.readAllBytes());
        }
        Map<String, JsonNode> alerts = Monitoring.alerts();
        assertThat(alerts).containsKeys("TrainpodPodLeak", "TrainpodPodBillingAfterEnd", "TrainpodFailureRateHigh",
                "TrainpodSlowStart", "TrainpodSlowTermination", "TrainpodOutboxStuck", "TrainpodConsumerLagging",
                "TrainpodConsumerStopped", "TrainpodDeadLetters", "TrainpodReconcilerCannotList",
                "TrainpodVaultCannotOpen");
        alerts.forEach((name, rule) -> {
            assertThat(tests).as(name + " fired by a unit test")
                    .containsPattern("alertname: " + name + "\\n\\s+exp_alerts:\\n\\s+- exp_labels:");
            assertThat(rule.at("/labels/severity").asText()).as(name).isIn("warning", "critical");
            assertThat(rule.at("/annotations/summary").asText()).as(name).isNotBlank();
            String runbook = rule.at("/annotations/runbook").asText();
            assertThat(runbook).as(name).isEqualTo(Monitoring.DIR + "/runbooks/" + name + ".md");
            String text = Repo.read(runbook);
            assertThat(text).as(runbook).startsWith("# " + name + "\n").contains("## What it means", "## What to do");
        });
        try (Stream<Path> books = Files.list(Repo.path(Monitoring.DIR + "/runbooks"))) {
            Set<String> names = books.map(p -> p.getFileName().toString().replace(".md", ""))
                    .collect(Collectors.toSet());
            assertThat(names).as("runbooks without an alert").isEqualTo(alerts.keySet());
        }
    }

    @Test
    void theProductionOverlayMonitorsEveryServiceAndShipsRulesAndDashboards() {
        List<JsonNode> prod = Repo.kustomize("k8s/overlays/prod");
        for (String service : Repo.SERVICES) {
            JsonNode monitor = ShippingConsistencyTest.find(prod, "ServiceMonitor", service);
            JsonNode svc = ShippingConsistencyTest.find(prod, "Service", service);
            assertThat(monitor.at("/spec/selector/matchLabels")).as(service).allSatisfy(label ->
                    assertThat(label).isNotNull());
            monitor.at("/spec/selector/matchLabels").fields().forEachRemaining(e -> assertThat(
                    svc.at("/metadata/labels").path(e.getKey()).asText()).as(service + " label " + e.getKey())
                    .isEqualTo(e.getValue().asText()));
            String port = monitor.at("/spec/endpoints/0/port").asText();
            assertThat(svc.at("/spec/ports").findValuesAsText("name")).as(service + " port").contains(port);
            assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
        }
        JsonNode rule = ShippingConsistencyTest.find(prod, "PrometheusRule", "trainpod-alerts");
        assertThat(rule.at("/spec/groups").size()).isPositive();
        Set<String> shipped = new HashSet<>();
        prod.stream().filter(d -> "ConfigMap".equals(d.path("kind").asText())
                        && "1".equals(d.at("/metadata/labels/grafana_dashboard").asText()))
                .forEach(d -> d.path("data").fieldNames().forEachRemaining(shipped::add));
        assertThat(shipped).as("dashboards in ConfigMaps for Grafana's sidecar")
                .isEqualTo(Monitoring.dashboards().keySet());
        assertThat(ShippingConsistencyTest.find(prod, "NetworkPolicy", "trainpod-services-from-prometheus"))
                .isNotNull();
    }

    private static int waitFor(Process p) {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
