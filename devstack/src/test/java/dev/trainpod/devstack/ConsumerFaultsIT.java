package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.devstack.runpod.SimPod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Consumers that cannot die (issue 12): a lifecycle event that cannot be processed for minutes, because
 * PostgreSQL is unreachable or RunPod hangs on DELETE, must not stop any service's consumer. After each fault, a
 * new training failure is terminated at the simulator within seconds, every consumer consumes a probe event, and
 * the {@link Invariants} hold; the figures go to {@code devstack/target/it-stack/fault-figures.txt}. And (issue 17)
 * an event that waits, its deployment's row held by another transaction, holds only its own partition: a failure on
 * another partition is applied and its pod terminated meanwhile (each replica applies partitions side by side).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsumerFaultsIT {

    private static final Set<String> RUNNING = Set.of("RUNNING");
    /** How soon a failed training's pod must be terminated once its TrainingFailed event is on the topic. */
    private static final Duration WITHIN_SECONDS = Duration.ofSeconds(15);
    private static LocalStack stack;
    private static FaultUser user;
    private static Path figures;

    @BeforeAll
    static void start() {
        Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        stack = SharedStack.get();
        user = new FaultUser(stack, root, "consumer-faults-user");
        figures = root.resolve("devstack/target/it-stack/fault-figures.txt");
    }

    @AfterEach
    void clearFaults() {
        ItHttp.clearFaults(stack);
    }

    @Test
    @Order(1)
    void postgresUnreachableForNinetySecondsStopsNoConsumer() {
        assertThat(SharedPostgres.embedded()).as("the server must be embedded to be stopped").isTrue();
        Instant start = Instant.now();
        List<String> running = List.of(user.deploy(600, 0.5), user.deploy(600, 0.5), user.deploy(600, 0.5));
        String failedBefore = failing(40, 6);
        String succeededBefore = user.deploy(8, 0.5);
        user.awaitStatus(running, RUNNING, Duration.ofMinutes(2));
        // Right before the outage: both trainings' final events are on the topic.
        ItHttp.await("the final events published", Duration.ofMinutes(2),
                () -> List.of(published(failedBefore), published(succeededBefore)),
                l -> l.stream().allMatch(Optional::isPresent));

        Instant down = Instant.now();
        CompletableFuture<Void> outage = CompletableFuture.runAsync(
                () -> SharedPostgres.restart(Duration.ofSeconds(90)));
        Instant up;
        try {
            ServiceProcess.sleep(5_000);
            // During the outage: a failure published by a service whose database is elsewhere (in production each
            // service may have its own server) reaches every consumer while none can write.
            publish(new TrainingFailed(UUID.fromString(running.get(0)), "FAILED_TRAINING",
                    "the trainer exited with code 3 (published during the outage)", 3, null));
        } finally {
            outage.join();
            up = Instant.now();
        }
        List<String> services = List.of(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl());
        ItHttp.await("every service ready again", Duration.ofSeconds(90),
                () -> services.stream().filter(url -> ItHttp.send("GET", url + "/q/health/ready", null, null)
                        .status() != 200).toList(), List::isEmpty);
        Instant ready = Instant.now();
        Map<String, JsonNode> failedDuring = user.awaitEnded(List.of(running.get(0)), Duration.ofMinutes(1));
        Instant failedDuringEnded = Instant.now();
        assertThat(failedDuring.get(running.get(0)).path("status").asText()).isEqualTo("FAILED");
        for (String id : running.subList(1, running.size())) {
            assertThat(user.cancel(id)).isEqualTo(202);
        }

        Duration probeTermination = newFailureIsTerminatedWithinSeconds();
        List<String> ids = new ArrayList<>(running);
        ids.add(failedBefore);
        ids.add(succeededBefore);
        Map<String, JsonNode> ended = user.awaitEnded(ids, Duration.ofMinutes(2));
        assertThat(ended.get(failedBefore).path("reason").asText()).isEqualTo("FAILED_TRAINING");
        assertThat(ended.get(succeededBefore).path("status").asText()).isEqualTo("SUCCEEDED");
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("outcomes", FaultUser.outcomes(ended));
        extra.put("allReadyAfterDatabaseBack", Duration.between(up, ready).toSeconds() + " s");
        extra.put("failurePublishedDuringOutageEndedAfterDatabaseBack",
                Duration.between(up, failedDuringEnded).toSeconds() + " s");
        extra.put("newFailureTerminatedAfterItsEvent", probeTermination.toMillis() + " ms");
        assertHolds("PostgreSQL unreachable " + Duration.between(down, up).toSeconds()
                + " s with events in flight, " + ids.size() + " deployments", start, ids, extra);
    }

    @Test
    @Order(2)
    void runPodHangingOnDeleteForTwoMinutesStopsNoConsumer() {
        Instant start = Instant.now();
        // Nothing happens at RunPod until a DELETE has been held 2 minutes, and a retry hangs as well.
        ItHttp.fault(stack, "{\"type\": \"HANG\", \"method\": \"DELETE\", \"path\": \"/v2/pods\","
                + " \"delayMillis\": 120000}");
        Instant hangStart = Instant.now();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(failing(20, 4));
            ServiceProcess.sleep(20_000);
        }
        ServiceProcess.sleep(Math.max(0, 120_000 - Duration.between(hangStart, Instant.now()).toMillis()));
        long stillBilling = ids.stream().flatMap(id -> user.podsOf(id).stream())
                .filter(pod -> !"TERMINATED".equals(pod.status())).count();
        ItHttp.clearFaults(stack);
        Instant hangEnd = Instant.now();

        assertThat(ItHttp.send("GET", stack.deployUrl() + "/q/health/ready", null, null).status())
                .as("deploy-service ready after the hang").isEqualTo(200);
        Duration probeTermination = newFailureIsTerminatedWithinSeconds();
        Map<String, JsonNode> ended = user.awaitEnded(ids, Duration.ofMinutes(3));
        Instant allEnded = Instant.now();
        for (JsonNode d : ended.values()) {
            assertThat(d.path("reason").asText()).as(d.toString()).isEqualTo("FAILED_TRAINING");
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("outcomes", FaultUser.outcomes(ended));
        extra.put("podsOfFailuresStillBillingWhenHangEnded", stillBilling);
        extra.put("allPodsTerminatedAfterHangEnded", Duration.between(hangEnd, allEnded).toSeconds() + " s");
        extra.put("newFailureTerminatedAfterItsEvent", probeTermination.toMillis() + " ms");
        assertHolds("RunPod hanging on DELETE " + Duration.between(hangStart, hangEnd).toSeconds()
                + " s while failures arrive, " + ids.size() + " deployments", start, ids, extra);
    }

    @Test
    @Order(3)
    void anEventWaitingOnItsDeploymentHoldsOnlyItsOwnPartition() throws SQLException {
        Instant start = Instant.now();
        // Two running trainings whose events go to different partitions (records are keyed by deployment).
        int partitions = lifecyclePartitions();
        List<String> ids = new ArrayList<>();
        Map<Integer, String> byPartition = new LinkedHashMap<>();
        while (byPartition.size() < 2) {
            String id = user.deploy(600, 0.5);
            ids.add(id);
            byPartition.putIfAbsent(partitionOf(id, partitions), id);
        }
        String held = byPartition.values().stream().findFirst().orElseThrow();
        String other = byPartition.values().stream().skip(1).findFirst().orElseThrow();
        user.awaitStatus(ids, RUNNING, Duration.ofMinutes(2));

        Duration otherEnded;
        try (Connection lock = Invariants.connect("trainpod_deploy")) {
            // A transaction elsewhere holds the held deployment's row, so its failure waits in deploy-service.
            lock.setAutoCommit(false);
            try (PreparedStatement st = lock.prepareStatement("SELECT id FROM deployment WHERE id = ? FOR UPDATE")) {
                st.setObject(1, UUID.fromString(held));
                st.executeQuery().close();
            }
            int holder = backendPid(lock);
            publish(new TrainingFailed(UUID.fromString(held), "FAILED_TRAINING",
                    "the trainer exited with code 3 (its row held by another transaction)", 3, null));
            ItHttp.await("deploy-service waiting on the held row", Duration.ofSeconds(30), () -> waitingOn(holder),
                    n -> n > 0);
            ServiceProcess.sleep(1_000);

            Instant published = Instant.now();
            publish(new TrainingFailed(UUID.fromString(other), "FAILED_TRAINING",
                    "the trainer exited with code 3 (another partition)", 3, null));
            JsonNode ended = user.awaitEnded(List.of(other), WITHIN_SECONDS).get(other);
            otherEnded = Duration.between(published, Instant.now());
            assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("FAILED");
            assertThat(user.podsOf(other)).extracting(SimPod::status).containsOnly("TERMINATED");
            assertThat(user.statuses(List.of(held)).get(held)).as("the held deployment's failure is still waiting")
                    .isEqualTo("RUNNING");
            lock.rollback();
        }
        Map<String, JsonNode> heldEnded = user.awaitEnded(List.of(held), WITHIN_SECONDS);
        assertThat(heldEnded.get(held).path("status").asText()).isEqualTo("FAILED");
        for (String id : ids) {
            if (!id.equals(held) && !id.equals(other)) {
                assertThat(user.cancel(id)).isEqualTo(202);
            }
        }
        Map<String, JsonNode> all = user.awaitEnded(ids, Duration.ofMinutes(2));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("outcomes", FaultUser.outcomes(all));
        extra.put("otherPartitionsFailureEndedWhileOneWaited", otherEnded.toMillis() + " ms");
        assertHolds("one deployment's failure waiting on its row while another partition's arrives, "
                + ids.size() + " deployments", start, ids, extra);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static String failing(int steps, int failAtStep) {
        return user.deploy("{\"steps\": " + steps + ", \"stepSeconds\": 0.5, \"failAtStep\": " + failAtStep
                + ", \"exitCode\": 3}");
    }

    /**
     * A training that fails now ends FAILED with its pod terminated at the simulator within seconds of its
     * TrainingFailed event, and every consumer consumes; answers how long that took after the event was published.
     */
    private static Duration newFailureIsTerminatedWithinSeconds() {
        String id = failing(10, 3);
        Instant published = ItHttp.await("the new failure's event published", Duration.ofMinutes(2),
                () -> published(id), Optional::isPresent).orElseThrow();
        JsonNode ended = user.awaitEnded(List.of(id), WITHIN_SECONDS.plusSeconds(30)).get(id);
        Duration took = Duration.between(published, Instant.now());
        assertThat(ended.path("reason").asText()).as(ended.toString()).isEqualTo("FAILED_TRAINING");
        assertThat(user.podsOf(id)).extracting(SimPod::status).containsOnly("TERMINATED");
        assertThat(took).as("a new failure ended, its pod terminated, after its event").isLessThan(WITHIN_SECONDS);
        assertThat(Invariants.consumersConsuming(stack, Duration.ofSeconds(30))).isEmpty();
        return took;
    }

    /** When the deployment's TrainingFailed or TrainingSucceeded left an outbox for the topic, if it has. */
    private static Optional<Instant> published(String deploymentId) {
        for (String db : List.of("trainpod_metrics", "trainpod_deploy")) {
            SharedPostgres.Server pg = SharedPostgres.server();
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), pg.password());
                 PreparedStatement st = c.prepareStatement("SELECT min(sent_at) FROM outbox_event"
                         + " WHERE aggregate_id = ? AND type IN ('TrainingFailed', 'TrainingSucceeded')")) {
                st.setString(1, deploymentId);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    Timestamp sent = rs.getTimestamp(1);
                    if (sent != null) {
                        return Optional.of(sent.toInstant());
                    }
                }
            } catch (SQLException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** How many partitions the lifecycle topic has. */
    private static int lifecyclePartitions() {
        try (KafkaProducer<String, String> producer = Invariants.producer(stack)) {
            return producer.partitionsFor(LifecycleEvent.TOPIC).size();
        }
    }

    /** The lifecycle topic's partition that a deployment's records go to (Kafka's default partitioner). */
    private static int partitionOf(String deploymentId, int partitions) {
        return Utils.toPositive(Utils.murmur2(deploymentId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The PostgreSQL backend's process id of a connection. */
    private static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** How many of deploy-service's database sessions are waiting for a lock that the backend {@code holder} holds. */
    private static int waitingOn(int holder) {
        try (Connection c = Invariants.connect("trainpod_deploy");
             PreparedStatement st = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE datname = 'trainpod_deploy' AND ? = ANY(pg_blocking_pids(pid))")) {
            st.setInt(1, holder);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the waiting sessions", e);
        }
    }

    private static void publish(LifecycleEvent event) {
        try (KafkaProducer<String, String> producer = Invariants.producer(stack)) {
            producer.send(EventCodec.toRecord(LifecycleEvent.TOPIC, UUID.randomUUID(), "/trainpod/metrics-service",
                    Instant.now(), event.type(), event.deploymentId().toString(), EventCodec.toJson(event)))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish " + event.type(), e);
        }
    }

    /** Asserts every invariant (after up to two minutes to settle) and records the figures. */
    private static void assertHolds(String scenario, Instant start, List<String> ids, Map<String, Object> extra) {
        Invariants.Report report = new Invariants(stack, start, ids, Map.of()).await(Duration.ofMinutes(2));
        String line = scenario + ": " + extra + " " + report.figures()
                + " wall " + Duration.between(start, Instant.now()).toSeconds() + " s";
        System.out.println("[fault] " + line);
        try {
            Files.writeString(figures, Instant.now() + " " + line + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(report.violations()).as(scenario + ": invariants " + report).isEmpty();
    }
}
