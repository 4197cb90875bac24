package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.common.testing.SharedKafka;
import dev.trainpod.common.testing.SharedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Real faults on the real stack (issue 8): the Kafka broker stopped, PostgreSQL restarted, deploy-service killed
 * with SIGKILL, metrics-service stopped, the RunPod API flapping. Every test restores what it broke, then asserts
 * the {@link Invariants} and writes its figures to {@code devstack/target/it-stack/fault-figures.txt}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionIT {

    private static final Set<String> RUNNING = Set.of("RUNNING");
    private static final Set<String> RUNNING_OR_ENDED = Set.of("RUNNING", "SUCCEEDED", "FAILED", "CANCELLED");
    private static LocalStack stack;
    private static FaultUser user;

    @BeforeAll
    static void start() {
        Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = SharedStack.get();
        user = new FaultUser(stack, root, "fault-user");
    }

    @AfterEach
    void clearFaults() {
        ItHttp.clearFaults(stack);
    }

    @Test
    @Order(1)
    void kafkaDownForAMinuteWhileTwentyDeploymentsAreInFlight() {
        assertThat(SharedKafka.embedded()).as("the broker must be embedded to be stopped").isTrue();
        Instant start = Instant.now();
        Map<String, Integer> points = new HashMap<>();
        List<String> failing = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        // Ten start before the outage; ten are accepted during it, so their pods run before any service but
        // deploy-service has heard of them.
        for (int i = 0; i < 10; i++) {
            ids.add(i % 5 == 4 ? failing(failing) : succeeding(points, 40));
        }
        user.awaitStatus(ids, RUNNING_OR_ENDED, Duration.ofMinutes(2));

        Instant stopped = Instant.now();
        SharedKafka.stop();
        Instant restarted;
        try {
            for (int i = 0; i < 10; i++) {
                ids.add(i % 5 == 4 ? failing(failing) : succeeding(points, 40));
            }
            ServiceProcess.sleep(Math.max(0, 60_000 - Duration.between(stopped, Instant.now()).toMillis()));
        } finally {
            SharedKafka.start();
            restarted = Instant.now();
        }

        Map<String, JsonNode> ended = user.awaitEnded(ids, Duration.ofMinutes(4));
        Duration recovery = Duration.between(restarted, Instant.now());
        for (String id : ids) {
            JsonNode d = ended.get(id);
            if (failing.contains(id)) {
                assertThat(d.path("reason").asText()).as(d.toString()).isEqualTo("FAILED_TRAINING");
            } else {
                assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("SUCCEEDED");
            }
        }
        assertHolds("Kafka broker stopped " + Duration.between(stopped, restarted).toSeconds() + " s, 20 deployments",
                start, ids, points, Map.of("outcomes", FaultUser.outcomes(ended),
                        "allEndedWithinAfterKafkaReturned", recovery.toSeconds() + " s"));
    }

    @Test
    @Order(2)
    void postgresRestartedMidFlightLosesNothingAccepted() {
        assertThat(SharedPostgres.embedded()).as("the server must be embedded to be restarted").isTrue();
        Instant start = Instant.now();
        Map<String, Integer> points = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(succeeding(points, 60));
        }
        user.awaitStep(ids, 3, Duration.ofMinutes(2));

        Instant down = Instant.now();
        SharedPostgres.restart(Duration.ofSeconds(10));
        Instant up = Instant.now();
        // Every service must reconnect by itself and say so on its readiness check.
        List<String> services = List.of(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl());
        ItHttp.await("every service ready again", Duration.ofSeconds(90),
                () -> services.stream().filter(url -> ItHttp.send("GET", url + "/q/health/ready", null, null)
                        .status() != 200).toList(), List::isEmpty);
        Instant ready = Instant.now();
        ids.add(succeeding(points, 10));
        ids.add(succeeding(points, 10));

        Map<String, JsonNode> ended = user.awaitEnded(ids, Duration.ofMinutes(3));
        for (JsonNode d : ended.values()) {
            assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("SUCCEEDED");
        }
        for (String url : services) {
            assertThat(ItHttp.send("GET", url + "/q/health/ready", null, null).status()).as(url).isEqualTo(200);
        }
        assertHolds("PostgreSQL restarted (down " + Duration.between(down, up).toSeconds() + " s), 8 deployments",
                start, ids, points, Map.of("outcomes", FaultUser.outcomes(ended),
                        "allServicesReadyAfterRestart", Duration.between(up, ready).toMillis() + " ms"));
    }

    @Test
    @Order(3)
    void deployServiceKilledDuringProvisioningAndTerminationLeavesNothingBilling() {
        Instant start = Instant.now();
        Map<String, Integer> points = new HashMap<>();

        // During provisioning: the create calls hang, and deploy-service dies while it waits for them.
        ItHttp.fault(stack, "{\"type\": \"DELAY\", \"delayMillis\": 8000, \"times\": 4}");
        List<String> provisioning = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            provisioning.add(succeeding(points, 20));
        }
        ItHttp.await("a pod created while deploy-service waits for the answer", Duration.ofSeconds(60),
                () -> provisioning.stream().mapToInt(id -> user.podsOf(id).size()).sum(), n -> n > 0);
        killAndRestartDeployService();

        // During termination: the DELETE calls fail, and deploy-service dies while it retries them.
        List<String> cancelled = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            cancelled.add(user.deploy(2000, 0.5));
        }
        user.awaitStatus(cancelled, RUNNING, Duration.ofMinutes(2));
        ItHttp.fault(stack, "{\"type\": \"SERVER_ERROR\", \"method\": \"DELETE\", \"path\": \"/v2/pods/\"}");
        for (String id : cancelled) {
            assertThat(user.cancel(id)).isEqualTo(202);
        }
        ItHttp.await("DELETE calls refused", Duration.ofSeconds(60), () -> ItHttp.calls(stack).stream()
                .filter(c -> c.method().equals("DELETE") && c.status() == 503 && c.time().isAfter(start)).count(),
                n -> n >= 2);
        killAndRestartDeployService();
        ItHttp.clearFaults(stack);

        List<String> ids = new ArrayList<>(provisioning);
        ids.addAll(cancelled);
        Map<String, JsonNode> ended = user.awaitEnded(ids, Duration.ofMinutes(3));
        for (String id : provisioning) {
            assertThat(ended.get(id).path("status").asText()).as(ended.get(id).toString()).isEqualTo("SUCCEEDED");
        }
        for (String id : cancelled) {
            assertThat(ended.get(id).path("status").asText()).as(ended.get(id).toString()).isEqualTo("CANCELLED");
        }
        assertHolds("deploy-service SIGKILLed twice (provisioning, termination), 8 deployments", start, ids, points,
                Map.of("outcomes", FaultUser.outcomes(ended)));
    }

    @Test
    @Order(4)
    void metricsServiceDownForTwoMinutesLosesNoMetricAndFailsNoHealthyPod() {
        Instant start = Instant.now();
        Map<String, Integer> points = new HashMap<>();
        List<String> ids = new ArrayList<>();
        // Training outlasts the outage: a pod that finished while metrics-service was away could not report it.
        for (int i = 0; i < 6; i++) {
            ids.add(succeeding(points, 420));
        }
        user.awaitStep(ids, 5, Duration.ofMinutes(2));

        Instant stopped = Instant.now();
        stack.stop("metrics-service", false);
        try {
            ServiceProcess.sleep(120_000);
        } finally {
            stack.restart("metrics-service");
        }
        Instant restarted = Instant.now();
        Map<String, String> whenBack = user.statuses(ids);

        Map<String, JsonNode> ended = user.awaitEnded(ids, Duration.ofMinutes(4));
        assertThat(whenBack.values()).as("still running when metrics-service came back").containsOnly("RUNNING");
        for (JsonNode d : ended.values()) {
            assertThat(d.path("status").asText()).as("the watchdog must not fail a healthy pod: " + d)
                    .isEqualTo("SUCCEEDED");
        }
        assertHolds("metrics-service stopped " + Duration.between(stopped, restarted).toSeconds()
                + " s, 6 deployments", start, ids, points, Map.of("outcomes", FaultUser.outcomes(ended)));
    }

    @Test
    @Order(5)
    void runPodApiFlappingForFiveMinutesMakesNoDuplicateAndLeaksNoPod() {
        Instant start = Instant.now();
        Instant end = start.plus(Duration.ofMinutes(5));
        // 5xx on every call, then 429 on every call, then answers held past the client's 20 s read timeout. The
        // simulator sleeps a held answer on one of its request threads; only a few calls are held per window.
        List<String> phases = List.of(
                "[{\"type\": \"SERVER_ERROR\", \"status\": 503}]",
                "[{\"type\": \"RATE_LIMIT\", \"retryAfterSeconds\": 2}]",
                "[{\"type\": \"DELAY\", \"delayMillis\": 25000, \"method\": \"POST\", \"path\": \"/v2/pods\","
                        + " \"times\": 1},"
                        + " {\"type\": \"DELAY\", \"delayMillis\": 25000, \"method\": \"GET\", \"path\": \"/v2/pods\","
                        + " \"times\": 2},"
                        + " {\"type\": \"DELAY\", \"delayMillis\": 25000, \"method\": \"DELETE\","
                        + " \"path\": \"/v2/pods\", \"times\": 1}]");
        List<String> ids = new ArrayList<>();
        List<String> cancelled = new ArrayList<>();
        int round = 0;
        int injected = 0;
        while (Instant.now().isBefore(end)) {
            // accepted between faults: the pre-flight check reads RunPod's GPU catalog
            ids.add(user.deploy(30, 0.5));
            if (round % 4 == 3) {
                String longRunning = user.deploy(2000, 0.5);
                ids.add(longRunning);
                cancelled.add(longRunning);
            }
            for (JsonNode fault : parse(phases.get(round % phases.size()))) {
                ItHttp.fault(stack, fault.toString());
                injected++;
            }
            ServiceProcess.sleep(10_000);
            for (String id : cancelled) {
                user.cancel(id);
            }
            ItHttp.clearFaults(stack);
            ServiceProcess.sleep(5_000);
            round++;
        }
        ItHttp.clearFaults(stack);
        for (String id : cancelled) {
            user.cancel(id);
        }

        Map<String, JsonNode> ended = user.awaitEnded(ids, Duration.ofMinutes(4));
        Map<String, Integer> points = new HashMap<>();
        for (JsonNode d : ended.values()) {
            if ("SUCCEEDED".equals(d.path("status").asText())) {
                points.put(d.path("id").asText(), 30);
            }
        }
        long faulted = ItHttp.calls(stack).stream().filter(c -> c.time().isAfter(start)
                && (c.status() == 429 || c.status() == 503)).count();
        assertHolds("RunPod API flapping for " + Duration.between(start, end).toMinutes() + " min, " + ids.size()
                + " deployments", start, ids, points, Map.of("outcomes", FaultUser.outcomes(ended),
                        "faultsInjected", injected, "callsAnswered429or503", faulted));
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static String succeeding(Map<String, Integer> points, int steps) {
        String id = user.deploy(steps, 0.5);
        points.put(id, steps);
        return id;
    }

    private static String failing(List<String> failing) {
        String id = user.deploy("{\"steps\": 40, \"stepSeconds\": 0.5, \"failAtStep\": 30, \"exitCode\": 3}");
        failing.add(id);
        return id;
    }

    private static void killAndRestartDeployService() {
        stack.stop("deploy-service", true);
        stack.restart("deploy-service");
    }

    private static JsonNode parse(String json) {
        try {
            return ItHttp.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertHolds(String scenario, Instant start, List<String> ids, Map<String, Integer> points,
                                    Map<String, Object> extra) {
        Invariants.assertHolds(stack, scenario, start, ids, points, extra);
    }
}
