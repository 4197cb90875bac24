package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.devstack.bench.Alternation;
import dev.trainpod.devstack.bench.LoadProcess;
import dev.trainpod.devstack.bench.Percentiles;
import dev.trainpod.devstack.bench.ProcCpu;
import dev.trainpod.devstack.bench.Results;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Metrics ingestion benchmark (benchmarks/metrics-ingest/run.sh). Pods' metric batches are posted by the load
 * process; the reference is PostgreSQL's {@code COPY} of the same rows into the same indexed table, run in
 * alternating windows of the same run. Two measures: throughput (the load at saturation against COPY, rows/s and
 * CPU per row of every process), and latency at the real pod rate (50 pods, one batch each per 2 s, open loop,
 * corrected for coordinated omission). Then: nothing lost (every accepted row stored). In {@code ./mvnw verify} it
 * runs as a smoke run of a few seconds and asserts only that nothing was lost.
 */
class IngestBenchIT {

    private static final String COPY = "COPY metric_points (deployment_id, step, epoch, loss, learning_rate,"
            + " grad_norm, tokens_per_second, time) FROM STDIN (FORMAT csv)";
    private static final int BATCH = Integer.getInteger("bench.batch", 50);

    @Test
    void ingestionAgainstCopy() throws Exception {
        LocalStack stack = BenchStack.get();
        boolean full = BenchStack.full();
        int pods = full ? Integer.getInteger("bench.pods", 50) : 4;
        int rounds = full ? Integer.getInteger("bench.rounds", 6) : 1;
        long window = BenchStack.millis(5000, 500);
        long podRateMillis = full ? Long.getLong("bench.podRateMillis", 60_000) : 1000;

        List<UUID> jobs = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < pods; i++) {
            UUID id = UUID.randomUUID();
            jobs.add(id);
            String line = stack.metricsUrl() + "/api/v1/jobs/" + id + "/metrics\tBearer "
                    + stack.keys().jobToken(id, "bench-ingest") + "\tmetrics:" + BATCH;
            targets.add("ingest\tPOST\t" + line);
        }
        Results results = new Results("metrics-ingest");
        ProcCpu cpu = BenchStack.cpu();
        SharedPostgres.Server pg = SharedPostgres.server();
        try (LoadProcess load = LoadProcess.start(BenchStack.root().resolve("devstack/target/bench/ingest"), targets);
             Connection db = DriverManager.getConnection(pg.jdbcUrl("trainpod_metrics"), pg.user(), pg.password())) {
            Copier copier = new Copier(db, pods);
            // Warm-up, not counted: the connection pools, and the JIT (C2 under a 1-CPU limit: with the 5 s this had
            // before, a profile showed metrics-service's compiler threads using about as much CPU as its event loop
            // through the measured windows).
            int concurrency = full ? Integer.getInteger("bench.concurrency", 16) : 2;
            long[] accepted = {load.saturate("ingest", concurrency, full ? Long.getLong("bench.warmupMillis", 60_000)
                    : 300).units()};
            copier.window(full ? 2000 : 200);

            Map<String, Alternation.Side> sides = new LinkedHashMap<>();
            sides.put("ingest", ms -> {
                LoadProcess.Counts c = load.saturate("ingest", concurrency, ms);
                accepted[0] += c.units();
                return c.units();
            });
            sides.put("COPY", copier::window);
            sides.put(Alternation.IDLE, Alternation.idle());
            Map<String, Alternation.Totals> t = Alternation.run(cpu, rounds, window, sides);
            t.values().forEach(x -> results.sawLoad(x.maxLoad()));
            Alternation.Totals ingest = t.get("ingest");
            Alternation.Totals copy = t.get("COPY");
            results.add(String.format("throughput, HTTP at %d in flight (%d-point batches, %d jobs): %s", concurrency,
                    BATCH, pods, ingest.describe("row")));
            results.add("reference, COPY of the same rows into the same table, alternating windows of " + window
                    + " ms: " + copy.describe("row"));
            Alternation.Totals idle = t.get(Alternation.IDLE);
            results.add(String.format("**ingest / COPY = %.2f** (goal ≥ 0.5); CPU per row ingest / COPY = %.1f net"
                    + " of the background (%.0f ms CPU per second in idle windows; net %.3f vs %.3f ms per row)",
                    ingest.rate() / copy.rate(), ingest.netCpuMillisPerUnit(idle) / copy.netCpuMillisPerUnit(idle),
                    idle.cpuSeconds() * 1000 / idle.seconds(), ingest.netCpuMillisPerUnit(idle),
                    copy.netCpuMillisPerUnit(idle)));

            // the real pod rate: one batch per pod every 2 s, open loop
            double rate = pods / 2.0;
            double cpu0 = cpu.seconds();
            LoadProcess.Counts c = load.rate("ingest", rate, podRateMillis);
            double cpuUsed = cpu.seconds() - cpu0;
            accepted[0] += c.units();
            Percentiles p = Percentiles.ofNanos(load.latencies("ingest"));
            results.sawLoad(dev.trainpod.devstack.bench.MachineState.now().load1());
            results.add(String.format("latency at the pod rate (%d pods × 1 batch / 2 s = %.0f requests/s, open loop,"
                    + " from the intended start): %s; %d failed; CPU %.2f ms per request (goal p99 < 50 ms)", pods,
                    rate, p.describe(), c.failed(), cpuUsed * 1000 / Math.max(1, c.requests())));

            long stored = stored(db, jobs);
            results.add(String.format("nothing lost: accepted %d rows, stored %d", accepted[0], stored));
            String text = results.appendTo(BenchStack.resultsFile());
            assertThat(stored).as(text).isEqualTo(accepted[0]);
        }
    }

    private static long stored(Connection db, List<UUID> jobs) throws Exception {
        String in = jobs.stream().map(id -> "'" + id + "'").collect(Collectors.joining(","));
        try (ResultSet rs = db.createStatement().executeQuery(
                "SELECT count(*) FROM metric_points WHERE deployment_id IN (" + in + ")")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The reference: COPY of the rows the pods send, in chunks, into jobs of its own. */
    private static final class Copier {
        private final CopyManager copy;
        private final List<UUID> jobs = new ArrayList<>();
        private final long[] nextStep;
        private int turn;

        Copier(Connection db, int jobCount) throws Exception {
            for (int i = 0; i < jobCount; i++) {
                UUID id = UUID.randomUUID();
                try (PreparedStatement st = db.prepareStatement("INSERT INTO jobs (deployment_id, user_id, status,"
                        + " created_at) VALUES (?, 'bench-copy', 'ACTIVE', now())")) {
                    st.setObject(1, id);
                    st.executeUpdate();
                }
                jobs.add(id);
            }
            nextStep = new long[jobCount];
            copy = db.unwrap(PGConnection.class).getCopyAPI();
        }

        /** COPYs chunks of {@code 20 × BATCH} rows, each for one job, until the window is over; answers the rows. */
        long window(long millis) throws Exception {
            long end = System.nanoTime() + millis * 1_000_000;
            long rows = 0;
            String now = Instant.now().toString();
            while (System.nanoTime() < end) {
                int j = turn++ % jobs.size();
                int n = 20 * BATCH;
                StringBuilder csv = new StringBuilder(n * 110);
                for (long s = nextStep[j], last = s + n; s < last; s++) {
                    csv.append(jobs.get(j)).append(',').append(s).append(',').append(s / 1000.0).append(',')
                            .append(2.0 + Math.sin(s / 50.0)).append(",0.0002,1.25,1843.5,").append(now).append('\n');
                }
                nextStep[j] += n;
                rows += copy.copyIn(COPY, new StringReader(csv.toString()));
            }
            return rows;
        }
    }
}
