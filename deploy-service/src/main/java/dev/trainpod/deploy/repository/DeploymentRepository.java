package dev.trainpod.deploy.repository;

import dev.trainpod.common.outbox.OutboxEvent;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
     * A deployment waiting for a pod has its request parsed only once the deadline alone has passed (the capacity
     * wait is never negative) or its earlier pods cost something (the budget is above 0): a backlog of waiting
     * deployments is not parsed every sweep (with 1,500 waiting that was 20–35 ms of PostgreSQL CPU at a time).
     */
    private static final String OVERDUE = """
            SELECT id FROM deployment
            WHERE status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING', 'RECOVERING') AND (
                (pod_id IS NULL AND COALESCE(provisioning_since, created_at) + make_interval(secs => $1) <= now()
                    AND COALESCE(provisioning_since, created_at) + make_interval(secs => $1
                    + 60 * COALESCE((request::jsonb -> 'limits' ->> 'capacityWaitMinutes')::int, 0)) <= now())
             OR (pod_id IS NULL AND prior_cost_usd > 0
                    AND prior_cost_usd >= (request::jsonb -> 'limits' ->> 'maxCostUsd')::numeric)
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

    /**
     * The provisioning claim (for {@code DeploymentStateMachine}, which decides the moves): takes a few deployments that wait for a pod, fairly across users (each user's
     * never-tried deployments first, then one per user per round), in one atomic statement with {@code SKIP
     * LOCKED}, so several replicas never provision the same deployment. PENDING → PROVISIONING is a legal move;
     * a PROVISIONING deployment without a pod whose claiming replica died (its liveness lease lapsed) is claimed
     * again without a move.
     */
    private static final String PROVISIONING_CLAIM = """
            WITH eligible AS (
                SELECT id, status AS was, created_at, capacity_rounds,
                       row_number() OVER (PARTITION BY user_id ORDER BY capacity_rounds, created_at) AS turn
                FROM deployment d
                WHERE (status = 'PENDING' AND (next_attempt_at IS NULL OR next_attempt_at <= now()))
                   OR (status = 'PROVISIONING' AND pod_id IS NULL AND claimed_by IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM lease l
                                       WHERE l.name = 'replica:' || d.claimed_by AND l.held_until > now()))),
            candidates AS (
                SELECT d.id, e.was FROM eligible e JOIN deployment d ON d.id = e.id AND d.status = e.was
                ORDER BY e.turn, e.capacity_rounds > 0, e.created_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED),
            claimed AS (
                UPDATE deployment SET status = 'PROVISIONING', claimed_by = $2, updated_at = now(),
                                      version = version + 1
                FROM candidates c WHERE deployment.id = c.id
                RETURNING deployment.id, c.was),
            recorded AS (
                INSERT INTO deployment_transition (deployment_id, status, message, at)
                SELECT id, 'PROVISIONING', CASE WHEN was = 'PROVISIONING'
                    THEN 'The replica provisioning it stopped; looking for its pod, then for a GPU.'
                    ELSE 'Looking for a GPU.' END, now() FROM claimed)
            SELECT id, was FROM claimed""";

    /**
     * Claims the termination of the deployment's pod: the one statement that several replicas may race on, and
     * that only one of them wins until the claim lapses (when its holder died mid-way).
     */
    private static final String TERMINATION_CLAIM = """
            UPDATE deployment SET termination_claimed_at = now(), version = version + 1
            WHERE id = $1 AND pod_id IS NOT NULL AND pod_terminated_at IS NULL
              AND (termination_claimed_at IS NULL OR termination_claimed_at < now() - make_interval(secs => $2))
            RETURNING pod_id, user_id""";

    /** Lets the termination claim lapse at once but keeps when it was tried, so the retry sweep takes other rows first. */
    private static final String TERMINATION_RELEASE = """
            UPDATE deployment SET termination_claimed_at = now() - make_interval(secs => $2), version = version + 1
            WHERE id = $1""";

    /** Serialises the accepts of one user until the transaction ends (see {@link #ACCEPT}). */
    private static final String LOCK_USER = "SELECT pg_advisory_xact_lock(hashtext($1))";

    /**
     * The accept of a new deployment (for {@code DeploymentStateMachine}, which decides the move), in one statement
     * after {@link #LOCK_USER} in the same transaction: the user's live deployments and those of them waiting for a
     * pod are counted, and only when both are under their caps ($14, $15) are the deployment (PENDING), its
     * transition and its outbox row inserted. The counts come back with whether it was written. The lock is taken by
     * a statement of its own so that this one's snapshot, taken after the lock, sees every earlier accept of the
     * user committed.
     */
    private static final String ACCEPT = """
            WITH counts AS (
                SELECT count(*) AS live, count(*) FILTER (WHERE pod_id IS NULL) AS waiting FROM deployment
                WHERE user_id = $2::text
                  AND status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING', 'RECOVERING')),
            accepted AS (
                INSERT INTO deployment (id, user_id, dataset_id, dataset_sha256, base_model, method, request, status,
                                        estimate, retry_of, idempotency_key, created_at, updated_at)
                SELECT $1::uuid, $2::text, $3::uuid, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text,
                       $10::uuid, $11::text, $12::timestamptz, $12::timestamptz FROM counts
                WHERE live < $14::bigint AND waiting < $15::bigint
                RETURNING id),
            recorded AS (
                INSERT INTO deployment_transition (deployment_id, status, message, at)
                SELECT id, $8::text, $13::text, $12::timestamptz FROM accepted),
            announced AS (
                INSERT INTO outbox_event (id, aggregate_id, type, source, payload, created_at, traceparent)
                SELECT $16::uuid, $17::text, $18::text, $19::text, $20::text, $21::timestamptz, $22::text
                FROM accepted)
            SELECT live, waiting, EXISTS (SELECT 1 FROM accepted) AS written FROM counts""";

    /** The moves the database allows (migrations keep it equal to {@code DeploymentStatus.MOVES}). */
    private static final String STORED_MOVES = "SELECT from_status, to_status FROM deployment_move";

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

    /** A deployment the provisioning claim took, and whether a replica had claimed it before (and died). */
    public record ProvisioningClaim(UUID id, boolean again) {
    }

    /** See {@link #PROVISIONING_CLAIM}: up to {@code batch} deployments for replica {@code holder}; runs on its own. */
    public Uni<List<ProvisioningClaim>> claimForProvisioning(int batch, String holder) {
        return pool.preparedQuery(PROVISIONING_CLAIM).execute(Tuple.of(batch, holder)).map(rows -> {
            List<ProvisioningClaim> claims = new ArrayList<>();
            for (Row row : rows) {
                claims.add(new ProvisioningClaim(row.getUUID("id"), "PROVISIONING".equals(row.getString("was"))));
            }
            return claims;
        });
    }

    /** The pod to terminate and the user whose key terminates it, as the termination claim returned them. */
    public record TerminationTarget(String podId, String userId) {
    }

    /**
     * See {@link #TERMINATION_CLAIM}: the pod to terminate, or null when the deployment has none left or another
     * replica's claim younger than {@code claimSeconds} holds it; runs on its own.
     */
    public Uni<TerminationTarget> claimTermination(UUID id, double claimSeconds) {
        return pool.preparedQuery(TERMINATION_CLAIM).execute(Tuple.of(id, claimSeconds))
                .map(rows -> rows.size() == 0 ? null
                        : new TerminationTarget(rows.iterator().next().getString("pod_id"),
                                rows.iterator().next().getString("user_id")));
    }

    /** See {@link #TERMINATION_RELEASE}; runs on its own. */
    public Uni<Void> releaseTermination(UUID id, double claimSeconds) {
        return pool.preparedQuery(TERMINATION_RELEASE).execute(Tuple.of(id, claimSeconds)).replaceWithVoid();
    }

    /** What {@link #accept} found: the user's live deployments and those waiting for a pod, and whether it wrote. */
    public record Accepted(long live, long waiting, boolean written) {
    }

    /**
     * See {@link #ACCEPT}: writes the new deployment {@code d} (its status and times set), its first transition and
     * its outbox row in one transaction of two statements, if the user holds fewer than {@code maxLive} live
     * deployments and fewer than {@code maxWaiting} waiting for a pod; runs on its own. A repeated idempotency key
     * fails with the database's unique violation (SQL state 23505). The four statements ({@code BEGIN}, the lock,
     * the accept, {@code COMMIT}) are sent pipelined: one round trip to the database.
     */
    public Uni<Accepted> accept(Deployment d, String message, OutboxEvent event, long maxLive, long maxWaiting) {
        Tuple args = Tuple.tuple()
                .addUUID(d.id).addString(d.userId).addUUID(d.datasetId).addString(d.datasetSha256)
                .addString(d.baseModel).addString(d.method).addString(d.request).addString(d.status.name())
                .addString(d.estimate).addUUID(d.retryOf).addString(d.idempotencyKey)
                .addOffsetDateTime(d.createdAt.atOffset(ZoneOffset.UTC)).addString(message)
                .addLong(maxLive).addLong(maxWaiting)
                .addUUID(event.id).addString(event.aggregateId).addString(event.type).addString(event.source)
                .addString(event.payload).addOffsetDateTime(event.createdAt.atOffset(ZoneOffset.UTC))
                .addString(event.traceparent);
        return pool.withConnection(conn -> pipelined(List.of(conn.query("BEGIN").execute(),
                        conn.preparedQuery(LOCK_USER).execute(Tuple.of(d.userId)),
                        conn.preparedQuery(ACCEPT).execute(args),
                        conn.query("COMMIT").execute())))
                .map(results -> {
                    Row row = results.get(2).iterator().next();
                    return new Accepted(row.getLong("live"), row.getLong("waiting"), row.getBoolean("written"));
                });
    }

    /**
     * Runs the statements of one connection pipelined: all are sent at once, in order, and PostgreSQL runs them in
     * that order, so a transaction of {@code BEGIN}, its statements and {@code COMMIT} costs one round trip instead
     * of one per statement. A statement that fails aborts the transaction, and the {@code COMMIT} after it then
     * rolls back (PostgreSQL answers it {@code ROLLBACK}); every statement is waited for, so the connection goes back
     * to the pool idle, and the first failure in order is the one reported (the later ones only follow from it).
     */
    private static Uni<List<RowSet<Row>>> pipelined(List<Uni<RowSet<Row>>> statements) {
        List<Uni<Object>> settled = statements.stream()
                .map(u -> u.<Object>map(rows -> rows).onFailure().recoverWithItem(e -> e))
                .toList();
        return Uni.combine().all().unis(settled).with(outcomes -> outcomes).chain(outcomes -> {
            List<RowSet<Row>> results = new ArrayList<>();
            for (Object o : outcomes) {
                if (o instanceof Throwable e) {
                    return Uni.createFrom().failure(e);
                }
                @SuppressWarnings("unchecked")
                RowSet<Row> rows = (RowSet<Row>) o;
                results.add(rows);
            }
            return Uni.createFrom().item(results);
        });
    }

    /** The moves stored in the database's table of moves, each as {@code FROM->TO}; runs on its own. */
    public Uni<Set<String>> storedMoves() {
        return pool.query(STORED_MOVES).execute().map(rows -> {
            Set<String> stored = new HashSet<>();
            for (Row row : rows) {
                stored.add(row.getString("from_status") + "->" + row.getString("to_status"));
            }
            return stored;
        });
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
