package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.runpod.SimPod;
import dev.trainpod.devstack.shipping.Monitoring;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real Prometheus (Debian's binary) scraping the local stack every second with Trainpod's alert rules loaded
 * ({@code for:} set to 0 s in this copy): a deployment that fails moves the failure counter and the
 * failure→termination histogram; a pod created behind Trainpod's back at the simulator moves the leak gauge off 0
 * and fires TrainpodPodLeak, and the reconciler's orphan counter records its termination; every dashboard panel's
 * query returns data from this Prometheus, or (only for what needs an incident) names metrics the services expose.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitoringIT {

    /**
     * Counters registered at their first event (the consumers' dead letters, by event type): a panel naming them
     * has no data and no exposed name until an incident.
     */
    private static final Set<String> NOT_YET_EXPOSED = Set.of("trainpod_consumer_dead_letters_total");

    private static LocalStack stack;
    private static FaultUser user;
    private static LocalPrometheus prometheus;
    private static Path root;
    /** The pod name the stack gave the failed deployment's pod: the leaked pod is named the same way. */
    private static String ourPodName;

    @BeforeAll
    static void start() {
        root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = SharedStack.get();
        user = new FaultUser(stack, root, "monitoring-user");
        Path binary = LocalPrometheus.binary().orElseThrow(() -> new AssertionError(
                "prometheus is needed (Debian: apt-get install prometheus; .ci/run installs it)"));
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("deploy-service", hostPort(stack.deployUrl()));
        targets.put("dataset-service", hostPort(stack.datasetUrl()));
        targets.put("metrics-service", hostPort(stack.metricsUrl()));
        prometheus = LocalPrometheus.start(binary, root, root.resolve("devstack/target/it-stack/prometheus-"
                + System.currentTimeMillis()), freePort(), targets, Duration.ofSeconds(1), true);
        ItHttp.await("Prometheus to scrape the three services", Duration.ofSeconds(30),
                () -> value("sum(up{job=~\"deploy-service|dataset-service|metrics-service\"})"), v -> v == 3);
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    @Test
    @Order(1)
    void aFailedDeploymentMovesTheFailureCounterAndTheFailureToTerminationHistogram() {
        String failed = "sum(trainpod_deployments_ended_total{status=\"FAILED\",reason=\"FAILED_TRAINING\"})";
        String terminated = "sum(trainpod_deployment_end_to_termination_seconds_count{status=\"FAILED\"})";
        double failedBefore = value(failed);
        double terminatedBefore = value(terminated);
        double firstStepsBefore = value("sum(trainpod_job_time_to_first_step_seconds_count)");
        assertThat(terminatedBefore).as("the histogram is exposed before any failure").isGreaterThanOrEqualTo(0);

        String id = user.deploy("{\"steps\": 8, \"stepSeconds\": 0.2, \"failAtStep\": 3, \"exitCode\": 3}");
        JsonNode d = user.awaitEnded(List.of(id), Duration.ofMinutes(2)).get(id);
        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("FAILED");
        ourPodName = stack.simulator().pods().stream().filter(p -> p.id().equals(d.path("podId").asText()))
                .map(SimPod::name).findFirst().orElseThrow();

        ItHttp.await("the failure counter to move in Prometheus", Duration.ofSeconds(20), () -> value(failed),
                v -> v >= failedBefore + 1);
        ItHttp.await("the failure→termination histogram to move in Prometheus", Duration.ofSeconds(20),
                () -> value(terminated), v -> v >= terminatedBefore + 1);
        double p99 = value("histogram_quantile(0.99, sum by (le) (rate("
                + "trainpod_deployment_end_to_termination_seconds_bucket{status=\"FAILED\"}[5m])))");
        assertThat(p99).as("failure→termination p99 with the test settings (1 s termination sweep)")
                .isBetween(0.0, 10.0);
        assertThat(value("sum(trainpod_deployment_time_to_pod_seconds_count)")).as("time to pod observed")
                .isPositive();
        ItHttp.await("the time to first step to be observed (the job reached step 3)", Duration.ofSeconds(20),
                () -> value("sum(trainpod_job_time_to_first_step_seconds_count)"), v -> v >= firstStepsBefore + 1);
    }

    @Test
    @Order(2)
    void aPodLeakedBehindTrainpodsBackMovesTheLeakGaugeAndFiresTheLeakAlert() {
        assertThat(ourPodName).as("the failed deployment's pod (the first test runs first)").isNotNull();
        // Named as this installation names its pods (trainpod-[<installation>-]<deployment id>), for no deployment.
        String leakedName = ourPodName.substring(0, ourPodName.length() - 36) + UUID.randomUUID();
        String key = "rpa_it_leak_" + UUID.randomUUID().toString().replace("-", "");
        stack.simulator().addApiKey(key);
        String token = stack.keys().userToken("monitoring-leak-user", Duration.ofHours(1));
        assertThat(ItHttp.send("PUT", stack.deployUrl() + "/api/v1/secrets/runpod", token,
                "{\"apiKey\": \"" + key + "\"}").status()).isEqualTo(204);
        double orphansBefore = value("sum(trainpod_reconciler_orphans_terminated_total)");

        ItHttp.Answer created = ItHttp.send("POST", stack.runPodUrl() + "/v2/pods", key,
                "{\"name\": \"" + leakedName + "\", \"image\": \"runpod/pytorch\", \"gpu\": {\"id\": \""
                        + FaultUser.A4000 + "\", \"count\": 1}}");
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(201);
        String podId = created.body().path("id").asText();

        ItHttp.await("the leak gauge to leave 0", Duration.ofSeconds(30),
                () -> value("max(max_over_time(trainpod_reconciler_leaked_pods[1m]))"), v -> v >= 1);
        ItHttp.await("TrainpodPodLeak to fire in Prometheus", Duration.ofSeconds(30),
                () -> query("max_over_time(ALERTS{alertname=\"TrainpodPodLeak\",alertstate=\"firing\"}[1m])"),
                r -> !r.isEmpty());
        ItHttp.await("the reconciler to terminate the leaked pod", Duration.ofSeconds(30),
                () -> stack.simulator().pods().stream().filter(p -> p.id().equals(podId)).map(SimPod::status)
                        .findFirst().orElse("?"), "TERMINATED"::equals);
        ItHttp.await("the orphan counter to move", Duration.ofSeconds(20),
                () -> value("sum(trainpod_reconciler_orphans_terminated_total)"), v -> v >= orphansBefore + 1);
        ItHttp.await("the leak gauge to return to 0", Duration.ofSeconds(30),
                () -> value("max(trainpod_reconciler_leaked_pods)"), v -> v == 0);
    }

    @Test
    @Order(3)
    void everyDashboardPanelQueryReturnsDataOrNamesExposedMetrics() {
        Set<String> exposed = new HashSet<>();
        for (String url : List.of(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl())) {
            ItHttp.Raw scrape = ItHttp.exchange("GET", url + "/q/metrics", null);
            assertThat(scrape.status()).isEqualTo(200);
            for (String line : scrape.body().split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    exposed.add(line.split("[{ ]", 2)[0]);
                }
            }
        }
        List<String> withData = new ArrayList<>();
        List<String> withoutData = new ArrayList<>();
        for (Monitoring.PanelQuery q : Monitoring.panelQueries()) {
            Set<String> names = Monitoring.metricNames(q.expr());
            if (!query(q.expr()).isEmpty()) {
                withData.add(q.toString());
                continue;
            }
            withoutData.add(q.toString());
            for (String name : names) {
                if (!NOT_YET_EXPOSED.contains(name)) {
                    assertThat(exposed).as(q + ": no data, and a service exposes no " + name).contains(name);
                }
            }
        }
        System.out.println("[monitoring] panel queries with data: " + withData.size() + ", without (need an"
                + " incident): " + withoutData.size() + " " + withoutData);
        assertThat(withoutData).as("queries that only have data after an incident").allSatisfy(q ->
                assertThat(q).containsAnyOf("trainpod_consumer_dead_letters_total", "account_failures"));
    }

    /** The result vector of an instant query. */
    private static JsonNode query(String promql) {
        ItHttp.Raw r = ItHttp.exchange("GET", prometheus.url() + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8), null);
        assertThat(r.status()).as(promql + " → " + r).isEqualTo(200);
        try {
            JsonNode body = ItHttp.JSON.readTree(r.body());
            return body.at("/data/result");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The single value of a query, or 0 when it has no result. */
    private static double value(String promql) {
        JsonNode result = query(promql);
        return result.isEmpty() ? 0 : Double.parseDouble(result.get(0).at("/value/1").asText());
    }

    private static String hostPort(String url) {
        URI u = URI.create(url);
        return u.getHost() + ":" + u.getPort();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
