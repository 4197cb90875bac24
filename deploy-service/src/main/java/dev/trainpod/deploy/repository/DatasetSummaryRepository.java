package dev.trainpod.deploy.repository;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.event.DatasetCataloged;
import dev.trainpod.common.event.DatasetRemoved;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The local copy of dataset-service's summaries ({@code dataset_summary}): written from the dataset-catalog topic
 * by upserts that only move forward (a newer version replaces an older one; a tombstone is final), so a replayed,
 * repeated or reordered event changes nothing it should not; read by the pre-flight checks.
 */
@ApplicationScoped
public class DatasetSummaryRepository {

    static final String CATALOG = "INSERT INTO dataset_summary (dataset_id, user_id, removed, version, name, bytes,"
            + " sha256, format, row_count, estimated_tokens, fits_methods, error_count)"
            + " VALUES ($1, $2, false, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            + " ON CONFLICT (dataset_id) DO UPDATE SET user_id = EXCLUDED.user_id, version = EXCLUDED.version,"
            + " name = EXCLUDED.name, bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256, format = EXCLUDED.format,"
            + " row_count = EXCLUDED.row_count, estimated_tokens = EXCLUDED.estimated_tokens,"
            + " fits_methods = EXCLUDED.fits_methods, error_count = EXCLUDED.error_count, updated_at = now()"
            + " WHERE NOT dataset_summary.removed AND dataset_summary.version < EXCLUDED.version";
    static final String REMOVE = "INSERT INTO dataset_summary (dataset_id, user_id, removed, version)"
            + " VALUES ($1, $2, true, $3)"
            + " ON CONFLICT (dataset_id) DO UPDATE SET removed = true,"
            + " version = GREATEST(dataset_summary.version, EXCLUDED.version), name = NULL, bytes = NULL,"
            + " sha256 = NULL, format = NULL, row_count = NULL, estimated_tokens = NULL, fits_methods = NULL,"
            + " error_count = NULL, updated_at = now() WHERE NOT dataset_summary.removed";
    static final String FIND = "SELECT user_id, removed, name, bytes, sha256, format, row_count, estimated_tokens,"
            + " fits_methods, error_count FROM dataset_summary WHERE dataset_id = $1";

    private final Pool pool;

    public DatasetSummaryRepository(Pool pool) {
        this.pool = pool;
    }

    /** What the local copy knows of a dataset. */
    public sealed interface Known {
    }

    /** The dataset's summary, as dataset-service published it. */
    public record Present(DatasetSummary summary) implements Known {
    }

    /** The dataset was removed (a tombstone); {@code userId} was its owner. */
    public record Removed(String userId) implements Known {
    }

    /** Stores (or moves forward) a dataset's summary; does nothing to a newer row or a tombstone. */
    public Uni<Void> catalog(DatasetCataloged e) {
        DatasetSummary s = e.summary();
        String[] fits = s.fitsMethods() == null ? null : s.fitsMethods().toArray(new String[0]);
        return pool.preparedQuery(CATALOG).execute(Tuple.from(Arrays.asList(e.datasetId(), s.userId(),
                        e.catalogedAt().atOffset(ZoneOffset.UTC), s.name(), s.bytes(), s.sha256(), s.format(), s.rows(),
                        s.estimatedTokens(), fits, s.errorCount())))
                .replaceWithVoid();
    }

    /** Turns the dataset's row into a tombstone (or writes one if the summary never arrived). */
    public Uni<Void> remove(DatasetRemoved e) {
        return pool.preparedQuery(REMOVE)
                .execute(Tuple.of(e.datasetId(), e.userId(), e.removedAt().atOffset(ZoneOffset.UTC)))
                .replaceWithVoid();
    }

    /** What the copy holds for the dataset; empty when no event about it has arrived. */
    public Uni<Optional<Known>> find(UUID datasetId) {
        return pool.preparedQuery(FIND).execute(Tuple.of(datasetId)).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row r = rows.iterator().next();
            if (r.getBoolean("removed")) {
                return Optional.of(new Removed(r.getString("user_id")));
            }
            String[] fits = r.getArrayOfStrings("fits_methods");
            return Optional.of(new Present(new DatasetSummary(datasetId, r.getString("user_id"), r.getString("name"),
                    r.getLong("bytes"), r.getString("sha256"), r.getString("format"), r.getLong("row_count"),
                    r.getLong("estimated_tokens"), fits == null ? null : List.of(fits), r.getLong("error_count"))));
        });
    }
}
