package dev.trainpod.dataset.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.UUID;

/**
 * A download token's use, decided, counted and recorded in one statement (one round trip, its own transaction):
 * the token is found by its hash and locked, the decision is taken on the locked row (revoked, expired unless a
 * started download resumes within the grace, range outside the file, uses used up), and, when it is allowed and
 * counted, the use is added and the download recorded, in that same statement.
 */
@ApplicationScoped
public class DownloadUseRepository {

    /** What a requested range is, before the file's size is known (see {@code ByteRange.Requested}). */
    public enum RangeKind {
        /** No Range header: the whole file. */
        NONE,
        /** {@code bytes=first-[last]}, with first &lt;= last. */
        FROM,
        /** {@code bytes=-n}, n &gt; 0: the last n bytes. */
        SUFFIX,
        /** Malformed, several ranges, or none of any file's bytes. */
        INVALID
    }

    /** The decision: {@code OK}, {@code REVOKED}, {@code EXPIRED}, {@code RANGE} (416) or {@code USED_UP}. */
    public record Use(String outcome, String storagePath, long bytes, String sha256, int maxUses) {
    }

    // t: the token and its dataset, the token locked (a concurrent use waits, then sees the count it left);
    // r: the range's first and last byte in this file, and whether it lies in the file; d: whether this resumes a
    // started download (which is not a use, and may finish within the grace after expiry); o: the decision, in
    // the order the checks had as separate statements; used/rec: the use counted, the download recorded.
    private static final String USE = "WITH t AS (SELECT k.id, k.deployment_id, k.dataset_id, k.uses, k.max_uses,"
            + " k.first_used_at, k.expires_at, k.revoked_at, ds.storage_path, ds.bytes, ds.sha256"
            + " FROM download_tokens k JOIN datasets ds ON ds.id = k.dataset_id WHERE k.token_hash = $1"
            + " FOR UPDATE OF k),"
            + " r AS (SELECT t.*,"
            + " CASE $2::text WHEN 'NONE' THEN true WHEN 'FROM' THEN $3::bigint < t.bytes WHEN 'SUFFIX' THEN true"
            + " ELSE false END AS in_file,"
            + " CASE $2::text WHEN 'FROM' THEN $3::bigint WHEN 'SUFFIX' THEN GREATEST(0, t.bytes - $5::bigint)"
            + " ELSE 0 END AS start_at,"
            + " CASE $2::text WHEN 'FROM' THEN LEAST(COALESCE($4::bigint, t.bytes - 1), t.bytes - 1)"
            + " ELSE t.bytes - 1 END AS end_at FROM t),"
            + " d AS (SELECT r.*, (r.first_used_at IS NOT NULL AND r.in_file AND r.start_at > 0) AS resuming FROM r),"
            + " o AS (SELECT d.*, CASE WHEN d.revoked_at IS NOT NULL THEN 'REVOKED'"
            + " WHEN NOT (now() < d.expires_at) AND NOT (d.resuming AND d.first_used_at < d.expires_at"
            + " AND now() < d.expires_at + make_interval(secs => $6::float8)) THEN 'EXPIRED'"
            + " WHEN NOT d.in_file THEN 'RANGE'"
            + " WHEN NOT d.resuming AND d.uses >= d.max_uses THEN 'USED_UP'"
            + " ELSE 'OK' END AS outcome FROM d),"
            + " used AS (UPDATE download_tokens k SET uses = k.uses + 1,"
            + " first_used_at = COALESCE(k.first_used_at, now())"
            + " FROM o WHERE k.id = o.id AND $7::boolean AND o.outcome = 'OK' AND NOT o.resuming RETURNING 1),"
            + " rec AS (INSERT INTO download_records (id, token_id, deployment_id, dataset_id, range_start, bytes,"
            + " client_address, created_at)"
            + " SELECT $9::uuid, o.id, o.deployment_id, o.dataset_id, o.start_at, o.end_at - o.start_at + 1, $8, now()"
            + " FROM o WHERE $7::boolean AND o.outcome = 'OK' RETURNING 1)"
            + " SELECT o.outcome, o.storage_path, o.bytes, o.sha256, o.max_uses FROM o";

    private final Pool pool;

    public DownloadUseRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Decides the use of the token with this hash for the range described by {@code kind}, {@code first},
     * {@code last} (null: to the end) and {@code suffix}, and, if {@code count} and allowed, counts and records
     * it; the item is null for an unknown token.
     *
     * @param resumeGrace how long after expiry a download started before it may still resume
     * @param clientAddress where the request came from, for the record
     */
    public Uni<Use> use(String tokenHash, RangeKind kind, Long first, Long last, Long suffix, Duration resumeGrace,
                        boolean count, String clientAddress) {
        Tuple args = Tuple.from(new Object[] {tokenHash, kind.name(), first, last, suffix,
                resumeGrace.toMillis() / 1000.0, count, clientAddress, UUID.randomUUID()});
        return pool.preparedQuery(USE).execute(args).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            Row row = rows.iterator().next();
            return new Use(row.getString("outcome"), row.getString("storage_path"), row.getLong("bytes"),
                    row.getString("sha256"), row.getInteger("max_uses"));
        });
    }
}
