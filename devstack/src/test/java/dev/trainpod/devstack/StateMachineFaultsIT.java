package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's state-machine scenarios on the real stack: a cancel that races the create call, and one tenant with
 * 250 deployments waiting for capacity beside another tenant's one-minute job. After each, the {@link Invariants}:
 * no pod billing without a live deployment, exactly one DeploymentEnded and one successful DELETE per deployment.
 */
class StateMachineFaultsIT {

    private static final String H100 = "NVIDIA H100 80GB HBM3";
    private static final String WAITING_LIMITS = "\"maxRuntimeMinutes\": 30, \"maxCostUsd\": 50,"
            + " \"capacityWaitMinutes\": 60";
    private static LocalStack stack;
    private static Path root;

    @BeforeAll
    static void start() {
        root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = SharedStack.get();
    }

    @AfterEach
    void restore() {
        ItHttp.clearFaults(stack);
        availability(H100, "HIGH");
    }

    @Test
    void cancelDuringASlowCreateTerminatesTheLatePodAndEndsOnce() {
        FaultUser user = new FaultUser(stack, root, "sm-cancel-user");
        Instant start = Instant.now();
        // The create call is handled (the pod exists at RunPod) but its answer is held back for 8 s.
        ItHttp.fault(stack, "{\"type\": \"DELAY\", \"delayMillis\": 8000, \"method\": \"POST\", \"path\": \"/v2/pods\","
                + " \"gpuTypeId\": \"" + FaultUser.A4000 + "\", \"times\": 1}");
        String id = user.deploy(2000, 0.5);
        ItHttp.await("the pod created while its answer is held back", Duration.ofSeconds(60),
                () -> user.podsOf(id).size(), n -> n > 0);
        assertThat(user.cancel(id)).isEqualTo(202);
        assertThat(user.deployment(id).path("status").asText()).isEqualTo("CANCELLED");

        // Ended, but its end is announced only once the create call's pod is recorded and terminated.
        JsonNode d = ItHttp.await("the late pod recorded and terminated", Duration.ofMinutes(2),
                () -> user.deployment(id), x -> !x.path("podTerminatedAt").isNull());
        assertThat(d.path("podId").asText()).as("the late pod is recorded: " + d).isNotEmpty();
        assertThat(d.path("billedSeconds").asLong()).as(d.toString()).isPositive();
        Invariants.assertHolds(stack, "cancel during an 8 s create call", start, List.of(id), Map.of(),
                Map.of("outcome", d.path("status").asText(), "billedSeconds", d.path("billedSeconds").asLong()));
    }

    @Test
    void aTenantWithTwoHundredFiftyWaitingDeploymentsStarvesNobody() {
        FaultUser flooder = new FaultUser(stack, root, "sm-flooder");
        FaultUser other = new FaultUser(stack, root, "sm-other");
        Instant start = Instant.now();
        availability(H100, "NONE");
        List<String> waiting = new ArrayList<>();
        try {
            for (int i = 0; i < 250; i++) {
                ItHttp.Answer a = flooder.tryDeploy(H100, WAITING_LIMITS, "{\"steps\": 10, \"stepSeconds\": 0.5}");
                assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
                waiting.add(a.body().path("id").asText());
            }
            // The per-user cap on deployments waiting for a pod (250 in the test stack) answers with a problem.
            ItHttp.Answer refused = flooder.tryDeploy(H100, WAITING_LIMITS, "{\"steps\": 10, \"stepSeconds\": 0.5}");
            assertThat(refused.status()).as(String.valueOf(refused.body())).isEqualTo(429);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.body().path("type").asText()).endsWith("/deployment-quota-exceeded");

            // Another tenant's job gets a pod at once and its one-minute limit is enforced, however many wait.
            Instant asked = Instant.now();
            ItHttp.Answer a = other.tryDeploy(FaultUser.A4000, "\"maxRuntimeMinutes\": 1, \"maxCostUsd\": 5",
                    "{\"steps\": 2000, \"stepSeconds\": 0.5}");
            assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
            String job = a.body().path("id").asText();
            other.awaitStatus(List.of(job), Set.of("RUNNING"), Duration.ofSeconds(60));
            Duration toRunning = Duration.between(asked, Instant.now());
            JsonNode ended = other.awaitEnded(List.of(job), Duration.ofMinutes(3)).get(job);
            assertThat(ended.path("reason").asText()).as(ended.toString()).isEqualTo("FAILED_MAX_RUNTIME");
            Duration toEnd = Duration.between(asked, Instant.now());
            assertThat(flooder.statuses(waiting).values()).as("still waiting for capacity")
                    .isSubsetOf("PENDING", "PROVISIONING");

            cancelAll(flooder, waiting);
            List<String> ids = new ArrayList<>(waiting);
            ids.add(job);
            flooder.awaitEnded(waiting, Duration.ofMinutes(2));
            Invariants.assertHolds(stack, "250 deployments of one tenant waiting for capacity, another's 1-minute"
                    + " job", start, ids, Map.of(), Map.of("otherTenantRunningAfter", toRunning.toSeconds() + " s",
                    "otherTenantEndedAfter", toEnd.toSeconds() + " s"));
        } finally {
            cancelAll(flooder, waiting); // before the GPU type has capacity again
        }
    }

    private static void cancelAll(FaultUser user, List<String> ids) {
        for (String id : ids) {
            user.cancel(id);
        }
    }

    private static void availability(String gpuType, String level) {
        ItHttp.Answer a = ItHttp.send("PUT", stack.runPodUrl() + "/_sim/catalog/availability", null,
                "{\"gpuTypeId\": \"" + gpuType + "\", \"availability\": \"" + level + "\"}");
        assertThat(a.status()).isEqualTo(204);
    }
}
