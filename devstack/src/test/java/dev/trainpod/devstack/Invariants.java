package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.devstack.runpod.SimPod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What must hold after any fault, read from the parts themselves: the simulator's pods and request journal, and
 * each service's database over JDBC. Pods billing at the simulator match the deployments in a live status; every
 * outbox is empty; no live deployment is past its deadline; the metric points stored are those the pods sent;
 * every event of the scenario's deployments reached every consumer's inbox; and each effect happened once (one
 * pod per deployment at a time and no more pods than its attempts (a recovered deployment replaced lost ones), one
 * terminal transition, one DeploymentEnded, one successful DELETE per pod). Separately,
 * {@link #consumersConsuming} checks that every service's lifecycle consumer is alive and consuming.
 */
final class Invariants {

    private static final List<String> LIVE = List.of("PENDING", "PROVISIONING", "STARTING", "RUNNING", "RECOVERING");
    private static final List<String> DATABASES = List.of("trainpod_deploy", "trainpod_dataset", "trainpod_metrics");
    private static final String POD_PREFIX = ItPods.PREFIX;

    /**
     * The outcome of one check.
     *
     * @param violations one line per broken invariant, naming the offending ids; empty when all hold
     * @param figures what was counted, for RELIABILITY.md
     */
    record Report(List<String> violations, Map<String, Object> figures) {

        boolean holds() {
            return violations.isEmpty();
        }

        @Override
        public String toString() {
            return figures + (violations.isEmpty() ? "" : "\n  violated:\n  - " + String.join("\n  - ", violations));
        }
    }

    private final LocalStack stack;
    private final Instant scenarioStart;
    private final Set<String> deployments;
    private final Map<String, Integer> pointsSent;

    /**
     * @param scenarioStart when the scenario began: the simulator's journal must reach back that far
     * @param deployments the ids of the deployments the scenario created
     * @param pointsSent for each deployment whose pod sent its metrics to the end, how many points it sent
     */
    Invariants(LocalStack stack, Instant scenarioStart, Collection<String> deployments,
               Map<String, Integer> pointsSent) {
        this.stack = stack;
        this.scenarioStart = scenarioStart;
        this.deployments = new TreeSet<>(deployments);
        this.pointsSent = Map.copyOf(pointsSent);
    }

    /**
     * Asserts every invariant for a scenario (after up to two minutes to settle) and appends its figures, with
     * {@code extra} ones, to {@code devstack/target/it-stack/fault-figures.txt}.
     */
    static void assertHolds(LocalStack stack, String scenario, Instant start, Collection<String> ids,
                            Map<String, Integer> points, Map<String, Object> extra) {
        Report report = new Invariants(stack, start, ids, points).await(Duration.ofMinutes(2));
        List<String> consumers = consumersConsuming(stack, Duration.ofSeconds(30));
        report.figures().put("everyConsumerConsuming", consumers.isEmpty());
        report.violations().addAll(consumers);
        String line = scenario + ": " + extra + " " + report.figures()
                + " wall " + Duration.between(start, Instant.now()).toSeconds() + " s";
        System.out.println("[fault] " + line);
        Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        try {
            Files.createDirectories(root.resolve("devstack/target/it-stack"));
            Files.writeString(root.resolve("devstack/target/it-stack/fault-figures.txt"), Instant.now() + " " + line
                    + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(report.violations()).as(scenario + ": invariants " + report).isEmpty();
    }

    /**
     * Checks until every invariant holds (events and relays need a moment to settle) or {@code settle} has passed,
     * and answers the last report.
     */
    Report await(Duration settle) {
        Instant deadline = Instant.now().plus(settle);
        Report report = check();
        while (!report.holds() && Instant.now().isBefore(deadline)) {
            ServiceProcess.sleep(2000);
            report = check();
        }
        return report;
    }

    /** Checks every invariant once. */
    Report check() {
        List<String> violations = new ArrayList<>();
        Map<String, Object> figures = new LinkedHashMap<>();
        try (Connection deploy = connect("trainpod_deploy");
             Connection metrics = connect("trainpod_metrics")) {
            billing(deploy, violations, figures);
            outboxes(violations, figures);
            deadlines(deploy, violations, figures);
            terminal(deploy, violations, figures);
            metricPoints(metrics, violations, figures);
            onceOnly(deploy, violations, figures);
            inboxes(violations, figures);
        } catch (SQLException e) {
            violations.add("a database could not be read: " + e.getMessage());
        }
        return new Report(violations, figures);
    }

    /** Pods billing at the simulator == deployments in a live status that hold a pod (all of them, every test's). */
    private void billing(Connection deploy, List<String> violations, Map<String, Object> figures) throws SQLException {
        Set<String> billing = new TreeSet<>();
        Map<String, Integer> podsPerDeployment = new HashMap<>();
        for (SimPod pod : stack.simulator().pods()) {
            if (!pod.name().startsWith(POD_PREFIX)) {
                continue;
            }
            String id = pod.name().substring(POD_PREFIX.length());
            podsPerDeployment.merge(id, 1, Integer::sum);
            if (!"TERMINATED".equals(pod.status())) {
                billing.add(id);
            }
        }
        Set<String> live = new TreeSet<>(strings(deploy, "SELECT id::text FROM deployment"
                + " WHERE status = ANY(?) AND pod_id IS NOT NULL", LIVE));
        Set<String> leaked = minus(billing, live);
        Set<String> lost = minus(live, billing);
        figures.put("podsBilling", billing.size());
        figures.put("liveDeploymentsWithPod", live.size());
        figures.put("leakedPods", leaked.size());
        if (!leaked.isEmpty()) {
            violations.add("pods billing at the simulator for deployments not in a live status: " + leaked);
        }
        if (!lost.isEmpty()) {
            violations.add("live deployments whose pod is not billing (stuck): " + lost);
        }
        Map<String, Integer> allowed = new HashMap<>();
        try (PreparedStatement st = deploy.prepareStatement("SELECT id::text, recoveries FROM deployment"
                + " WHERE id::text = ANY(?)")) {
            st.setArray(1, array(deploy, deployments));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    allowed.put(rs.getString(1), rs.getInt(2) + 1);
                }
            }
        }
        Set<String> duplicated = deployments.stream()
                .filter(id -> podsPerDeployment.getOrDefault(id, 0) > allowed.getOrDefault(id, 1))
                .collect(Collectors.toCollection(TreeSet::new));
        figures.put("duplicatePods", duplicated.size());
        if (!duplicated.isEmpty()) {
            violations.add("deployments with more pods than attempts (one, plus one per recovery): " + duplicated);
        }
        Map<String, Long> liveAtOnce = stack.simulator().pods().stream()
                .filter(pod -> pod.name().startsWith(POD_PREFIX) && !"TERMINATED".equals(pod.status()))
                .collect(Collectors.groupingBy(pod -> pod.name().substring(POD_PREFIX.length()),
                        Collectors.counting()));
        List<String> twoLive = liveAtOnce.entrySet().stream().filter(e -> e.getValue() > 1)
                .map(Map.Entry::getKey).sorted().toList();
        if (!twoLive.isEmpty()) {
            violations.add("deployments with two pods not terminated at once: " + twoLive);
        }
    }

    private void outboxes(List<String> violations, Map<String, Object> figures) throws SQLException {
        int pending = 0;
        for (String db : DATABASES) {
            try (Connection c = connect(db)) {
                List<String> rows = strings(c, "SELECT type || ' ' || id || ' of ' || aggregate_id FROM outbox_event"
                        + " WHERE sent_at IS NULL ORDER BY seq", null);
                pending += rows.size();
                if (!rows.isEmpty()) {
                    violations.add(db + " outbox holds unpublished events: " + rows);
                }
            }
        }
        figures.put("outboxPending", pending);
    }

    /** The deadline: created + maxRuntime + capacityWait + the provisioning deadline (15 min). */
    private void deadlines(Connection deploy, List<String> violations, Map<String, Object> figures)
            throws SQLException {
        List<String> overdue = strings(deploy, "SELECT id || ' ' || status FROM deployment WHERE status = ANY(?)"
                + " AND created_at + make_interval(mins => COALESCE((request::jsonb->'limits'->>'maxRuntimeMinutes')::int, 0)"
                + " + COALESCE((request::jsonb->'limits'->>'capacityWaitMinutes')::int, 0) + 15) < now()", LIVE);
        figures.put("liveDeploymentsPastDeadline", overdue.size());
        if (!overdue.isEmpty()) {
            violations.add("deployments in a live status past their deadline: " + overdue);
        }
    }

    /** Every deployment of the scenario ended, and its pod (if it had one) is confirmed terminated. */
    private void terminal(Connection deploy, List<String> violations, Map<String, Object> figures)
            throws SQLException {
        List<String> open = strings(deploy, "SELECT id || ' ' || status FROM deployment WHERE id::text = ANY(?)"
                + " AND (status = ANY(?) OR (pod_id IS NOT NULL AND pod_terminated_at IS NULL))", deployments, LIVE);
        figures.put("deployments", deployments.size());
        figures.put("terminal", deployments.size() - open.size());
        if (!open.isEmpty()) {
            violations.add("deployments not ended with their pod terminated: " + open);
        }
    }

    private void metricPoints(Connection metrics, List<String> violations, Map<String, Object> figures)
            throws SQLException {
        Map<String, Integer> stored = new HashMap<>();
        try (PreparedStatement st = metrics.prepareStatement("SELECT deployment_id::text, count(*) FROM metric_points"
                + " WHERE deployment_id::text = ANY(?) GROUP BY deployment_id")) {
            st.setArray(1, array(metrics, pointsSent.keySet()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    stored.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        int sent = pointsSent.values().stream().mapToInt(Integer::intValue).sum();
        int kept = pointsSent.keySet().stream().mapToInt(id -> stored.getOrDefault(id, 0)).sum();
        figures.put("metricPointsSent", sent);
        figures.put("metricPointsStored", kept);
        List<String> wrong = pointsSent.entrySet().stream()
                .filter(e -> stored.getOrDefault(e.getKey(), 0).intValue() != e.getValue())
                .map(e -> e.getKey() + " sent " + e.getValue() + " stored " + stored.getOrDefault(e.getKey(), 0))
                .sorted().toList();
        if (!wrong.isEmpty()) {
            violations.add("metric points stored differ from those sent: " + wrong);
        }
    }

    private void onceOnly(Connection deploy, List<String> violations, Map<String, Object> figures)
            throws SQLException {
        List<String> transitions = strings(deploy, "SELECT d.id || ' x' || count(t.id) FROM deployment d"
                + " LEFT JOIN deployment_transition t ON t.deployment_id = d.id"
                + " AND t.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')"
                + " WHERE d.id::text = ANY(?) GROUP BY d.id HAVING count(t.id) <> 1", deployments);
        if (!transitions.isEmpty()) {
            violations.add("deployments without exactly one terminal transition: " + transitions);
        }
        List<String> ended = strings(deploy, "SELECT d.id || ' x' || count(o.id) FROM deployment d"
                + " LEFT JOIN outbox_event o ON o.aggregate_id = d.id::text AND o.type = 'DeploymentEnded'"
                + " WHERE d.id::text = ANY(?) GROUP BY d.id HAVING count(o.id) <> 1", deployments);
        if (!ended.isEmpty()) {
            violations.add("deployments without exactly one DeploymentEnded: " + ended);
        }
        figures.put("repeatedEffects", transitions.size() + ended.size());

        Map<String, String> podIds = new HashMap<>();
        try (PreparedStatement st = deploy.prepareStatement("SELECT id::text, pod_id FROM deployment"
                + " WHERE id::text = ANY(?) AND pod_id IS NOT NULL")) {
            st.setArray(1, array(deploy, deployments));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    podIds.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        // Not an invariant: a pod that ran to its end while deploy-service was down between its create call and
        // the commit ends its deployment with the right status, but with no pod id or cost recorded.
        Set<String> withPod = stack.simulator().pods().stream().map(SimPod::name)
                .filter(n -> n.startsWith(POD_PREFIX)).map(n -> n.substring(POD_PREFIX.length()))
                .collect(Collectors.toSet());
        figures.put("podsNeverRecorded", deployments.stream()
                .filter(id -> withPod.contains(id) && !podIds.containsKey(id)).count());
        List<ItHttp.Call> calls = ItHttp.calls(stack);
        if (calls.isEmpty() || calls.get(0).time().isAfter(scenarioStart)) {
            figures.put("deletesPerPod", "journal does not reach back to the scenario's start");
            return;
        }
        Map<String, Long> deletes = calls.stream()
                .filter(c -> c.method().equals("DELETE") && c.status() / 100 == 2)
                .collect(Collectors.groupingBy(ItHttp.Call::path, Collectors.counting()));
        List<String> wrongDeletes = podIds.entrySet().stream()
                .filter(e -> deletes.getOrDefault("/v2/pods/" + e.getValue(), 0L) != 1)
                .map(e -> e.getKey() + " pod " + e.getValue() + " x" + deletes.getOrDefault("/v2/pods/" + e.getValue(), 0L))
                .sorted().toList();
        figures.put("podsWithOneSuccessfulDelete", podIds.size() - wrongDeletes.size() + "/" + podIds.size());
        if (!wrongDeletes.isEmpty()) {
            violations.add("pods not terminated by exactly one successful DELETE: " + wrongDeletes);
        }
        // The lost pods a recovery replaced: one DELETE at most (a pod that vanished answers it 404).
        List<String> lostDeletedTwice = strings(deploy, "SELECT pod_id FROM deployment_attempt"
                + " WHERE deployment_id::text = ANY(?) AND end_reason = 'LOST'", deployments).stream()
                .filter(pod -> deletes.getOrDefault("/v2/pods/" + pod, 0L) > 1).sorted().toList();
        if (!lostDeletedTwice.isEmpty()) {
            violations.add("lost pods deleted more than once: " + lostDeletedTwice);
        }
    }

    /** Every event about the scenario's deployments, from any outbox, was consumed by every service. */
    private void inboxes(List<String> violations, Map<String, Object> figures) throws SQLException {
        Set<String> published = new HashSet<>();
        for (String db : DATABASES) {
            try (Connection c = connect(db)) {
                published.addAll(strings(c, "SELECT id::text FROM outbox_event WHERE aggregate_id = ANY(?)",
                        deployments));
            }
        }
        figures.put("events", published.size());
        int missing = 0;
        for (String db : DATABASES) {
            try (Connection c = connect(db)) {
                Set<String> consumed = new HashSet<>(strings(c, "SELECT event_id::text FROM inbox_event"
                        + " WHERE event_id::text = ANY(?)", published));
                Set<String> lost = minus(published, consumed);
                missing += lost.size();
                if (!lost.isEmpty()) {
                    violations.add(db + " inbox lacks events: " + lost);
                }
            }
        }
        figures.put("eventsMissingFromAnInbox", missing);
    }

    /**
     * Every service's lifecycle consumer is consuming: each liveness check answers UP, and a probe event (a
     * {@code TrainingSucceeded} of a deployment nobody has, which every consumer marks in its inbox and otherwise
     * ignores) reaches every service's inbox within {@code timeout}. Answers the violations; empty when all consume.
     */
    static List<String> consumersConsuming(LocalStack stack, Duration timeout) {
        List<String> violations = new ArrayList<>();
        for (String url : List.of(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl())) {
            ItHttp.Answer live = ItHttp.send("GET", url + "/q/health/live", null, null);
            if (live.status() != 200) {
                violations.add(url + " liveness answers " + live.status() + ": " + live.body());
            }
        }
        // One probe per partition: every partition's consumer in every service must take its probe.
        List<UUID> probes = new ArrayList<>();
        try (KafkaProducer<String, String> producer = producer(stack)) {
            int partitions = producer.partitionsFor(LifecycleEvent.TOPIC).size();
            for (int partition = 0; partition < partitions; partition++) {
                UUID probe = UUID.randomUUID();
                TrainingSucceeded event = new TrainingSucceeded(UUID.randomUUID(), "consumer probe");
                ProducerRecord<String, String> r = EventCodec.toRecord(LifecycleEvent.TOPIC, probe, "/devstack/probe",
                        Instant.now(), event.type(), event.deploymentId().toString(), EventCodec.toJson(event));
                producer.send(new ProducerRecord<>(r.topic(), partition, r.key(), r.value(), r.headers()))
                        .get(30, TimeUnit.SECONDS);
                probes.add(probe);
            }
        } catch (Exception e) {
            violations.add("the probe events could not be published: " + e);
            return violations;
        }
        List<String> probeIds = probes.stream().map(UUID::toString).toList();
        Set<String> waiting = new TreeSet<>(DATABASES);
        Instant deadline = Instant.now().plus(timeout);
        while (!waiting.isEmpty() && Instant.now().isBefore(deadline)) {
            waiting.removeIf(db -> {
                try (Connection c = connect(db)) {
                    return strings(c, "SELECT event_id::text FROM inbox_event WHERE event_id::text = ANY(?)",
                            probeIds).size() == probeIds.size();
                } catch (SQLException e) {
                    return false;
                }
            });
            ServiceProcess.sleep(200);
        }
        if (!waiting.isEmpty()) {
            violations.add("the probe events " + probeIds + " (one per partition) were not all consumed within "
                    + timeout + " in " + waiting);
        }
        return violations;
    }

    /** A producer of string records to the stack's broker, for events published by a test. */
    static KafkaProducer<String, String> producer(LocalStack stack) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    static Connection connect(String database) throws SQLException {
        SharedPostgres.Server pg = SharedPostgres.server();
        return DriverManager.getConnection(pg.jdbcUrl(database), pg.user(), pg.password());
    }

    /** The first column of a query whose parameters are text arrays. */
    private static List<String> strings(Connection c, String sql, Collection<String> first, Collection<String> second)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setArray(1, array(c, first));
            st.setArray(2, array(c, second));
            return column(st);
        }
    }

    private static List<String> strings(Connection c, String sql, Collection<String> param) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            if (param != null) {
                st.setArray(1, array(c, param));
            }
            return column(st);
        }
    }

    private static List<String> column(PreparedStatement st) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static Array array(Connection c, Collection<String> values) throws SQLException {
        return c.createArrayOf("text", values.toArray(new String[0]));
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> d = new TreeSet<>(a);
        d.removeAll(b);
        return d;
    }
}
