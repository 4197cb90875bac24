package dev.trainpod.deploy.repository;

import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Every query on deployments. Reads that precede a change lock the row ({@link #locked}); the sweeps of the
 * scheduled jobs select in an order that reaches every row however many there are (the least recently handled
 * first), so no set of rows can keep the others from being seen. Call inside a session (or transaction), except
 * the methods that take the {@link Pool} and run on their own.
 */
@ApplicationScoped
public class DeploymentRepository implements PanacheRepositoryBase<Deployment, UUID> {

    /**
     * Live deployments that broke a rule the database can judge alone: no pod past the provisioning deadline
     * (plus the capacity wait, both from when it last began waiting for a pod), or the maximum runtime or the
     * budget reached by the pods it ran on: the earlier ones' billed time and cost, and the current pod's time up at
     * its recorded hourly price (a recovered deployment whose earlier pods spent the budget is caught without a pod).
     */
    private static final String OVERDUE = """
            SELECT id FROM deployment
            WHERE status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING', 'RECOVERING') AND (
                (pod_id IS NULL AND COALESCE(provisioning_since, created_at) + make_interval(secs => $1
                    + 60 * COALESCE((request::jsonb -> 'limits' ->> 'capacityWaitMinutes')::int, 0)) <= now())
             OR (pod_id IS NULL AND prior_cost_usd >= (request::jsonb -> 'limits' ->> 'maxCostUsd')::numeric)
             OR (pod_id IS NOT NULL AND pod_created_at + make_interval(secs =>
                    60 * (request::jsonb -> 'limits' ->> 'maxRuntimeMinutes')::int - prior_billed_seconds) <= now())
             OR (pod_id IS NOT NULL AND cost_per_hour > 0 AND pod_created_at + make_interval(secs =>
                    (3600 * ((request::jsonb -> 'limits' ->> 'maxCostUsd')::numeric - prior_cost_usd)
                        / cost_per_hour)::float8) <= now()))
            ORDER BY created_at LIMIT $2""";

    /** The live deployments with a pod, least recently judged first, marked judged now. */
    private static final String NEXT_TO_REAP = """
            WITH next AS (
                SELECT id FROM deployment
                WHERE status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING', 'RECOVERING') AND pod_id IS NOT NULL
                ORDER BY reaped_at NULLS FIRST, created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            UPDATE deployment d SET reaped_at = now() FROM next WHERE d.id = next.id RETURNING d.id""";

    /**
     * Ended or RECOVERING deployments whose pod is not confirmed terminated, the least recently attempted first (a
     * row that always fails goes to the back, behind every other).
     */
    private static final String TO_TERMINATE = """
            SELECT id FROM deployment
            WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED', 'RECOVERING') AND pod_id IS NOT NULL
              AND pod_terminated_at IS NULL
            ORDER BY termination_claimed_at NULLS FIRST, ended_at LIMIT $1""";

    /**
     * Ended deployments without a pod whose end was never announced because a create call might have been in
     * flight: their provisioning replica is gone and the reconciler had {@code $1} seconds to find a pod it made,
     * or the end is older than {@code $2} seconds (longer than any create call with its retries).
     */
    private static final String ABANDONED_CLAIMS = """
            SELECT id FROM deployment d
            WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND pod_id IS NULL AND ended_announced_at IS NULL
              AND ((ended_at < now() - make_interval(secs => $1) AND (claimed_by IS NULL OR NOT EXISTS (
                        SELECT 1 FROM lease l WHERE l.name = 'replica:' || d.claimed_by AND l.held_until > now())))
                   OR ended_at < now() - make_interval(secs => $2))
            ORDER BY ended_at LIMIT $3""";

    private final Pool pool;

    public DeploymentRepository(Pool pool) {
        this.pool = pool;
    }

    /** The deployment, its row locked until the transaction ends; null if there is none. */
    public Uni<Deployment> locked(UUID id) {
        return findById(id, LockModeType.PESSIMISTIC_WRITE);
    }

    public Uni<List<Deployment>> ofUser(String userId, int limit) {
        return find("userId = ?1 order by createdAt desc", userId).page(0, limit).list();
    }

    /** The user's succeeded deployments (the models they trained), newest first. */
    public Uni<List<Deployment>> succeededOfUser(String userId, int limit) {
        return find("userId = ?1 and status = ?2 order by endedAt desc", userId, DeploymentStatus.SUCCEEDED)
                .page(0, limit).list();
    }

    public Uni<Deployment> byIdempotencyKey(String userId, String key) {
        return find("userId = ?1 and idempotencyKey = ?2", userId, key).firstResult();
    }

    /**
     * How many of the user's deployments are live, and how many of those wait for a pod (PENDING, or PROVISIONING
     * with none yet).
     */
    public Uni<long[]> liveAndPending(String userId) {
        return getSession().chain(s -> s.createNativeQuery("""
                        SELECT count(*), count(*) FILTER (WHERE pod_id IS NULL) FROM deployment
                        WHERE user_id = :user
                          AND status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING', 'RECOVERING')""",
                        Object[].class)
                .setParameter("user", userId).getSingleResult())
                .map(row -> new long[] {((Number) row[0]).longValue(), ((Number) row[1]).longValue()});
    }

    /**
     * Serialises the creates of one user until the transaction ends, so a quota counted in it stays true until
     * the new deployment is written.
     */
    public Uni<Void> lockUser(String userId) {
        return getSession().chain(s -> s.createNativeQuery("SELECT pg_advisory_xact_lock(hashtext(:user))")
                .setParameter("user", userId).getSingleResult()).replaceWithVoid();
    }

    /** Deployments whose pod is not confirmed terminated: all of them, and those of them that already ended. */
    public Uni<long[]> podsNotTerminated() {
        return getSession().chain(s -> s.createNativeQuery("""
                        SELECT count(*), count(*) FILTER (WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED'))
                        FROM deployment WHERE pod_id IS NOT NULL AND pod_terminated_at IS NULL""", Object[].class)
                .getSingleResult())
                .map(row -> new long[] {((Number) row[0]).longValue(), ((Number) row[1]).longValue()});
    }

    public Uni<List<Deployment>> byIds(List<UUID> ids) {
        return list("id in ?1", ids);
    }

    /** See {@link #OVERDUE}; runs on its own. */
    public Uni<List<UUID>> overdue(Duration provisioningDeadline, int limit) {
        return ids(OVERDUE, Tuple.of(provisioningDeadline.toMillis() / 1000.0, limit));
    }

    /** See {@link #NEXT_TO_REAP}; runs on its own. */
    public Uni<List<UUID>> nextToReap(int limit) {
        return ids(NEXT_TO_REAP, Tuple.of(limit));
    }

    /** See {@link #TO_TERMINATE}; runs on its own. */
    public Uni<List<UUID>> toTerminate(int limit) {
        return ids(TO_TERMINATE, Tuple.of(limit));
    }

    /** See {@link #ABANDONED_CLAIMS}; runs on its own. */
    public Uni<List<UUID>> abandonedClaims(Duration afterClaimerGone, Duration afterEnd, int limit) {
        return ids(ABANDONED_CLAIMS, Tuple.of(afterClaimerGone.toMillis() / 1000.0, afterEnd.toMillis() / 1000.0,
                limit));
    }

    /** Whether the deployment still waits for its pod: PROVISIONING with none recorded. */
    public Uni<Boolean> stillWithoutPod(UUID id) {
        return findById(id).map(d -> d != null && d.status == DeploymentStatus.PROVISIONING && d.podId == null);
    }

    private Uni<List<UUID>> ids(String sql, Tuple args) {
        return pool.preparedQuery(sql).execute(args).map(rows -> {
            List<UUID> ids = new ArrayList<>();
            for (Row row : rows) {
                ids.add(row.getUUID("id"));
            }
            return ids;
        });
    }
}
