package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, "the end of a job is never lost": metrics-service is stopped just before the simulated trainers finish
 * and stays away longer than the old agent's whole end-of-job retry window (the UPLOADING report, six spool flushes
 * and five final reports: about 110 s), so their last points are spooled and their final reports find nobody. Each
 * pod must wait (its heartbeats going on, its artifacts declared stored), flush its spool and report SUCCEEDED once
 * metrics-service is back, and only then terminate itself. Asserts the {@link Invariants} (every spooled point
 * stored, one DELETE per pod, one DeploymentEnded) and appends its figures to
 * {@code devstack/target/it-stack/fault-figures.txt}.
 */
class EndOfJobFaultsIT {

    private static final int STEPS = 40;
    private static final Duration OUTAGE = Duration.ofSeconds(130);
    private static LocalStack stack;
    private static FaultUser user;

    @BeforeAll
    static void start() {
        Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = SharedStack.get();
        user = new FaultUser(stack, root, "end-of-job-user");
    }

    @AfterEach
    void clearFaults() {
        ItHttp.clearFaults(stack);
    }

    @Test
    void metricsServiceDownAtTheFinalReportEndsEveryJobSucceededWithEveryPoint() {
        Instant start = Instant.now();
        Map<String, Integer> points = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = user.deploy(STEPS, 0.5);
            ids.add(id);
            points.put(id, STEPS);
        }
        // a few seconds before the first trainer finishes; the others finish during the outage. The step read here
        // lags the trainer's by up to a flush of the agent's shipper (2 s, four steps) and a poll, so ten steps from
        // the end leave the first trainer at least a few steps to go when metrics-service stops (with four, the
        // landing CI once saw a job's final report land just before the stop)
        user.awaitStep(ids, 1, Duration.ofMinutes(3));
        ItHttp.await("a trainer ten steps from its end", Duration.ofMinutes(1),
                () -> ids.stream().mapToInt(user::step).max().orElse(0), step -> step >= STEPS - 10);

        Instant stopped = Instant.now();
        stack.stop("metrics-service", false);
        Map<String, String> duringOutage;
        try {
            ServiceProcess.sleep(OUTAGE.toMillis() - 10_000);
            duringOutage = user.statuses(ids);
            ServiceProcess.sleep(Math.max(0, OUTAGE.toMillis() - Duration.between(stopped, Instant.now()).toMillis()));
        } finally {
            stack.restart("metrics-service");
        }
        Instant restarted = Instant.now();
        List<String> podsAliveAtRestart = ids.stream().filter(id -> user.podsOf(id).stream()
                .anyMatch(p -> !"TERMINATED".equals(p.status()))).toList();

        Map<String, JsonNode> ended = user.awaitEnded(ids, Duration.ofMinutes(3));
        Duration recovery = Duration.between(restarted, Instant.now());
        assertThat(duringOutage.values()).as("nothing ended while metrics-service was away").containsOnly("RUNNING");
        assertThat(podsAliveAtRestart).as("each pod waited for its final report to be acknowledged")
                .containsExactlyInAnyOrderElementsOf(ids);
        for (JsonNode d : ended.values()) {
            assertThat(d.path("status").asText()).as("a finished job must not be recorded as failed: " + d)
                    .isEqualTo("SUCCEEDED");
        }
        Invariants.assertHolds(stack, "metrics-service stopped " + Duration.between(stopped, restarted).toSeconds()
                        + " s from just before the trainers finished, 3 deployments", start, ids, points,
                Map.of("outcomes", FaultUser.outcomes(ended),
                        "allEndedWithinAfterMetricsReturned", recovery.toSeconds() + " s"));
    }
}
