package dev.trainpod.devstack.shipping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboards of {@code k8s/components/monitoring/dashboards}: the structure the current Grafana
 * schema needs (schemaVersion, a Prometheus data source variable, panels with ids, grid positions and targets),
 * the dashboards the operators need, and every query valid PromQL (checked by promtool as recording rules).
 * MonitoringIT evaluates every query against a live Prometheus scraping the local stack.
 */
class DashboardsTest {

    @TempDir
    Path dir;

    @Test
    void everyDashboardIsAValidGrafanaDashboard() {
        Map<String, JsonNode> dashboards = Monitoring.dashboards();
        assertThat(dashboards.keySet()).containsExactlyInAnyOrder("trainpod-fleet.json", "trainpod-money.json",
                "trainpod-pipeline.json", "trainpod-deploy-service.json", "trainpod-dataset-service.json",
                "trainpod-metrics-service.json");
        Set<String> uids = new HashSet<>();
        dashboards.forEach((file, d) -> {
            assertThat(uids.add(d.path("uid").asText())).as(file + " uid unique").isTrue();
            assertThat(d.path("uid").asText()).as(file).matches("[a-z0-9-]{1,40}");
            assertThat(d.path("title").asText()).as(file).startsWith("Trainpod / ");
            assertThat(d.path("schemaVersion").asInt()).as(file + " schemaVersion").isBetween(36, 41);
            JsonNode ds = d.at("/templating/list/0");
            assertThat(ds.path("name").asText()).as(file).isEqualTo("datasource");
            assertThat(ds.path("type").asText()).isEqualTo("datasource");
            assertThat(ds.path("query").asText()).isEqualTo("prometheus");
            assertThat(d.path("panels").isArray() && !d.path("panels").isEmpty()).as(file + " panels").isTrue();
            Set<Integer> ids = new HashSet<>();
            for (JsonNode p : d.path("panels")) {
                String where = file + " / " + p.path("title").asText();
                assertThat(p.path("title").asText()).as(file + " panel title").isNotBlank();
                assertThat(ids.add(p.path("id").asInt())).as(where + " id unique").isTrue();
                assertThat(p.path("type").asText()).as(where).isIn("timeseries", "stat");
                assertThat(p.at("/datasource/type").asText()).as(where).isEqualTo("prometheus");
                assertThat(p.at("/datasource/uid").asText()).as(where).isEqualTo("${datasource}");
                JsonNode grid = p.path("gridPos");
                assertThat(grid.path("w").asInt()).as(where).isBetween(1, 24);
                assertThat(grid.path("h").asInt()).as(where).isPositive();
                assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as(where + " fits 24 columns")
                        .isLessThanOrEqualTo(24);
                assertThat(p.path("targets").isArray() && !p.path("targets").isEmpty()).as(where).isTrue();
                Set<String> refIds = new HashSet<>();
                for (JsonNode t : p.path("targets")) {
                    assertThat(refIds.add(t.path("refId").asText())).as(where + " refId unique").isTrue();
                    assertThat(t.path("expr").asText()).as(where + " expr").isNotBlank();
                    assertThat(Monitoring.metricNames(t.path("expr").asText())).as(where + " names a metric")
                            .isNotEmpty();
                }
            }
        });
    }

    @Test
    void everyPanelQueryIsValidPromql() throws IOException {
        List<Monitoring.PanelQuery> queries = Monitoring.panelQueries();
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-queries\n    rules:\n");
        for (int i = 0; i < queries.size(); i++) {
            rules.append("      - record: dashboard:query:").append(i).append('\n')
                    .append("        expr: '").append(queries.get(i).expr().replace("'", "''")).append("'\n");
        }
        Files.writeString(dir.resolve("queries.yaml"), rules.toString());
        assertThat(Monitoring.promtool(dir, "check", "rules", "queries.yaml"))
                .contains("SUCCESS: " + queries.size() + " rules found");
    }

    @Test
    void theFleetAndMoneyDashboardsShowTheLeakGaugeFailureRateAndSpend() {
        String fleet = Monitoring.dashboards().get("trainpod-fleet.json").toString();
        assertThat(fleet).contains("trainpod_reconciler_leaked_pods", "trainpod_reconciler_provider_pods",
                "trainpod_deployments_ended_total", "trainpod_job_time_to_first_step_seconds_bucket",
                "trainpod_deployment_billed_dollars_total");
        String money = Monitoring.dashboards().get("trainpod-money.json").toString();
        assertThat(money).contains("status=\\\"FAILED\\\"", "trainpod_deployment_end_to_termination_seconds_bucket");
        String pipeline = Monitoring.dashboards().get("trainpod-pipeline.json").toString();
        assertThat(pipeline).contains("trainpod_outbox_oldest_pending_age_seconds",
                "kafka_consumer_fetch_manager_records_lag_max", "trainpod_consumer_dead_letters_total");
    }
}
