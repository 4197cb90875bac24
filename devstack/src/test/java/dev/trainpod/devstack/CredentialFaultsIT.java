package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.runpod.SimPod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Credentials that outlive their pods (issue 12): a RunPod key replaced by another account's mid-job, or deleted
 * while a create call is in flight, must not strand the pod it created; and a pod another installation named on the
 * same account is never the reconciler's to terminate. Each scenario asserts the {@link Invariants} and writes its
 * figures to {@code devstack/target/it-stack/fault-figures.txt}.
 */
class CredentialFaultsIT {

    /** How soon after the cancel the pod must be gone at the simulator. */
    private static final Duration TERMINATED_WITHIN = Duration.ofSeconds(15);

    private static LocalStack stack;
    private static Path root;

    @BeforeAll
    static void start() {
        root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = SharedStack.get();
    }

    @AfterEach
    void clearFaults() {
        ItHttp.clearFaults(stack);
    }

    @Test
    void keyReplacedMidJobByAnotherAccountsKeyThenCancelTerminatesTheFirstAccountsPod() {
        FaultUser user = new FaultUser(stack, root, "cred-replaced");
        Instant start = Instant.now(); // after the key check's call, so the journal reaches back to it
        String id = user.deploy(2000, 0.5);
        user.awaitStatus(List.of(id), Set.of("RUNNING"), Duration.ofMinutes(2));
        user.awaitStep(List.of(id), 2, Duration.ofMinutes(1));

        String secondAccount = "rpa_it_second_" + UUID.randomUUID().toString().replace("-", "");
        stack.simulator().addApiKey(secondAccount);
        assertThat(user.putRunPodKey(secondAccount)).isEqualTo(204);
        Instant cancelled = Instant.now();
        assertThat(user.cancel(id)).isEqualTo(202);

        SimPod pod = awaitTerminated(user, id);
        JsonNode d = user.awaitEnded(List.of(id), Duration.ofMinutes(1)).get(id);
        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("CANCELLED");
        assertThat(d.path("costUsd").isNumber()).as("cost recorded: " + d).isTrue();
        assertThat(d.path("costUsd").asDouble()).isPositive();
        assertHolds("RunPod key replaced by another account's mid-job, then cancel", start, List.of(id),
                Map.of("podTerminatedAfterCancel", Duration.between(cancelled, pod.terminatedAt()).toMillis() + " ms",
                        "costUsd", d.path("costUsd").asText()));
    }

    @Test
    void keyDeletedWhileACreateIsInFlightLeavesNothingBilling() {
        FaultUser user = new FaultUser(stack, root, "cred-deleted");
        Instant start = Instant.now(); // after the key check's call, so the journal reaches back to it
        // the create call is handled at once, its answer held back: the pod exists while deploy-service waits
        ItHttp.fault(stack, "{\"type\": \"DELAY\", \"delayMillis\": 6000, \"method\": \"POST\","
                + " \"path\": \"/v2/pods\", \"times\": 1}");
        String id = user.deploy(2000, 0.5);
        ItHttp.await("the pod created while its create call is held", Duration.ofSeconds(30),
                () -> user.podsOf(id).size(), n -> n > 0);
        assertThat(user.deleteRunPodKey()).isEqualTo(204);
        user.awaitStatus(List.of(id), Set.of("STARTING", "RUNNING"), Duration.ofMinutes(1));
        Instant cancelled = Instant.now();
        assertThat(user.cancel(id)).isEqualTo(202);

        SimPod pod = awaitTerminated(user, id);
        JsonNode d = user.awaitEnded(List.of(id), Duration.ofMinutes(1)).get(id);
        assertThat(d.path("status").asText()).as(d.toString()).isEqualTo("CANCELLED");
        assertThat(d.path("podId").asText()).isEqualTo(pod.id());
        assertThat(d.path("costUsd").isNumber()).as("cost recorded: " + d).isTrue();
        assertHolds("RunPod key deleted during a held create call, then cancel", start, List.of(id),
                Map.of("podTerminatedAfterCancel", Duration.between(cancelled, pod.terminatedAt()).toMillis()
                        + " ms"));
    }

    @Test
    void reconcilerLeavesAnotherInstallationsPodsAloneAndTerminatesItsOwnOrphan() {
        FaultUser user = new FaultUser(stack, root, "cred-installations");
        Instant start = Instant.now(); // after the key check's call, so the journal reaches back to it
        // oldest first: by the time our orphan is old enough to be terminated, the others have been judged too
        SimPod theirs = createPod(user, "trainpod-other-" + UUID.randomUUID());
        SimPod legacy = createPod(user, "trainpod-" + UUID.randomUUID());
        SimPod ours = createPod(user, ItPods.name(UUID.randomUUID().toString()));

        SimPod gone = ItHttp.await("our orphan to be terminated", Duration.ofSeconds(30), () -> simPod(ours.id()),
                p -> "TERMINATED".equals(p.status()));
        // two more reconciler rounds (every 2 s in the shared stack) that could have touched the others
        ServiceProcess.sleep(5000);

        try {
            assertThat(simPod(theirs.id()).status()).as("another installation's pod on the same account")
                    .isNotEqualTo("TERMINATED");
            assertThat(simPod(legacy.id()).status()).as("a pod named before installation ids, for no deployment of"
                    + " ours").isNotEqualTo("TERMINATED");
        } finally {
            ItHttp.send("DELETE", stack.runPodUrl() + "/v2/pods/" + theirs.id(), user.runPodKey(), null);
            ItHttp.send("DELETE", stack.runPodUrl() + "/v2/pods/" + legacy.id(), user.runPodKey(), null);
        }
        assertHolds("another installation's pods beside an orphan of ours on one account", start, List.of(),
                Map.of("orphanTerminatedAfter", Duration.between(ours.createdAt(), gone.terminatedAt()).toMillis()
                        + " ms"));
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static SimPod awaitTerminated(FaultUser user, String id) {
        return ItHttp.await("the deployment's pod to be terminated at the simulator", TERMINATED_WITHIN,
                () -> user.podsOf(id), pods -> pods.size() == 1 && "TERMINATED".equals(pods.get(0).status()))
                .get(0);
    }

    private static SimPod createPod(FaultUser user, String name) {
        ItHttp.Answer created = ItHttp.send("POST", stack.runPodUrl() + "/v2/pods", user.runPodKey(),
                "{\"name\": \"" + name + "\", \"image\": \"runpod/pytorch\", \"gpu\": {\"id\": \""
                        + FaultUser.A4000 + "\", \"count\": 1}}");
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(201);
        return simPod(created.body().path("id").asText());
    }

    private static SimPod simPod(String podId) {
        return stack.simulator().pods().stream().filter(p -> p.id().equals(podId)).findFirst().orElseThrow();
    }

    private static void assertHolds(String scenario, Instant start, List<String> ids, Map<String, Object> extra) {
        Invariants.assertHolds(stack, scenario, start, ids, Map.of(), extra);
    }
}
