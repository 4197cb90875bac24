package dev.trainpod.metrics.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Group commit of metric batches: the batches of many requests are written in one transaction, so that one commit
 * (one WAL flush, the cost that dominates with fsync on) serves them all. A request is answered only after the
 * transaction holding its batch has committed: accepted means stored. It is self-clocking: a transaction starts
 * at once when fewer than {@code in-flight} are running, taking everything queued (up to {@code rows} rows);
 * batches that arrive meanwhile wait for the next one, so under load they group, and alone they wait for nothing.
 * Batches are written in deployment-id order, so two transactions lock jobs in the same order (no deadlock). If a
 * transaction fails, each of its batches is written again on its own, so one bad batch fails only its request.
 */
@ApplicationScoped
public class MetricPointGroupCommit {

    /** One request's batch, waiting for its transaction. */
    private record Pending(UUID deploymentId, Tuple args, int rows, CompletableFuture<Row> done) {
    }

    private final Pool pool;
    private final int maxRows;
    private final int maxInFlight;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    public MetricPointGroupCommit(Pool pool,
                                  @ConfigProperty(name = "trainpod.metrics.group-commit.rows", defaultValue = "1000")
                                  int maxRows,
                                  @ConfigProperty(name = "trainpod.metrics.group-commit.in-flight", defaultValue = "2")
                                  int maxInFlight) {
        this.pool = pool;
        this.maxRows = maxRows;
        this.maxInFlight = maxInFlight;
    }

    /** Runs {@code sql} with {@code args} in the next group's transaction; the item is its one result row. */
    Uni<Row> submit(String sql, UUID deploymentId, Tuple args, int rows) {
        Pending p = new Pending(deploymentId, args, rows, new CompletableFuture<>());
        queue.add(p);
        drain(sql);
        return Uni.createFrom().completionStage(p.done());
    }

    private void drain(String sql) {
        while (!queue.isEmpty()) {
            int running = inFlight.get();
            if (running >= maxInFlight) {
                return; // a running transaction drains again when it ends
            }
            if (!inFlight.compareAndSet(running, running + 1)) {
                continue;
            }
            List<Pending> group = take();
            if (group.isEmpty()) {
                inFlight.decrementAndGet();
                continue;
            }
            write(sql, group).subscribe().with(ok -> {
                inFlight.decrementAndGet();
                drain(sql);
            }, e -> {
                inFlight.decrementAndGet();
                drain(sql);
            });
        }
    }

    private List<Pending> take() {
        List<Pending> group = new ArrayList<>();
        int rows = 0;
        for (Pending p; rows < maxRows && (p = queue.poll()) != null; ) {
            group.add(p);
            rows += p.rows();
        }
        group.sort(Comparator.comparing(Pending::deploymentId));
        return group;
    }

    /** The group in one transaction, its statements pipelined; on failure each batch on its own. */
    private Uni<Void> write(String sql, List<Pending> group) {
        List<Row> results = new ArrayList<>(group.size());
        return pool.withTransaction(conn -> statements(conn, sql, group, results))
                .invoke(() -> {
                    for (int i = 0; i < group.size(); i++) {
                        group.get(i).done().complete(results.get(i));
                    }
                })
                .onFailure().recoverWithUni(e -> Uni.join().all(group.stream().map(p -> pool.preparedQuery(sql)
                        .execute(p.args())
                        .invoke(rows -> p.done().complete(rows.iterator().next()))
                        .onFailure().invoke(p.done()::completeExceptionally)
                        .onFailure().recoverWithNull()
                        .replaceWithVoid()).toList()).andCollectFailures().replaceWithVoid());
    }

    private static Uni<Void> statements(SqlConnection conn, String sql, List<Pending> group, List<Row> results) {
        List<Uni<Row>> each = group.stream()
                .map(p -> conn.preparedQuery(sql).execute(p.args()).map(rows -> rows.iterator().next())).toList();
        return Uni.join().all(each).andFailFast().invoke(results::addAll).replaceWithVoid();
    }
}
