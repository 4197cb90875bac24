package dev.trainpod.dataset.service;

import dev.trainpod.common.job.JobLease;
import dev.trainpod.common.job.Sweep;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.storage.DatasetStorage;
import dev.trainpod.dataset.storage.StagedFile;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Deletes what is no longer needed: long-expired tokens, ended deployments' grants, abandoned partial uploads. The
 * database sweeps run on one replica at a time (a {@link JobLease}); the files a replica's own multipart directory
 * holds are swept by every replica.
 */
@ApplicationScoped
public class CleanupJob {

    private static final Logger LOG = Logger.getLogger(CleanupJob.class);
    /** The sweeps' interval, and so how long one replica holds their lease. */
    private static final Duration INTERVAL = Duration.ofHours(1);

    private final DownloadTokenService tokens;
    private final DatasetStorage storage;
    private final DatasetConfig config;
    private final Path multipartDirectory;
    private final UploadRecords uploads;
    private final ResumableUploads resumable;
    private final ArtifactRecords artifacts;
    private final ArtifactUploads artifactUploads;
    private final JobLease lease;

    public CleanupJob(DownloadTokenService tokens, DatasetStorage storage, DatasetConfig config,
                      @ConfigProperty(name = "quarkus.http.body.uploads-directory") String multipartDirectory,
                      UploadRecords uploads, ResumableUploads resumable, ArtifactRecords artifacts,
                      ArtifactUploads artifactUploads, JobLease lease) {
        this.lease = lease;
        this.uploads = uploads;
        this.resumable = resumable;
        this.artifacts = artifacts;
        this.artifactUploads = artifactUploads;
        this.tokens = tokens;
        this.storage = storage;
        this.config = config;
        this.multipartDirectory = Path.of(multipartDirectory).toAbsolutePath();
    }

    /** Deletes tokens that expired, and grants of deployments that ended, more than the retention ago. */
    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> purgeExpiredTokens() {
        return Sweep.guarded("purging expired download tokens", () -> lease.whileHeld("dataset:token-purge", INTERVAL,
                () -> tokens.purge(Instant.now().minus(config.tokenRetention()))));
    }

    /**
     * Forgets resumable dataset uploads and artifact uploads nobody sent a byte to for the retention, and deletes
     * the partial and spooled files they, or a crash, left behind (blocking: runs on a worker thread).
     */
    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void removeAbandonedUploads() {
        Instant cutoff = Instant.now().minus(config.partialRetention());
        try {
            if (Await.result(() -> lease.take("dataset:abandoned-uploads", INTERVAL))) {
                Await.result(() -> uploads.purgeStale(cutoff)).forEach(u -> StagedFile.deleteQuietly(
                        resumable.staged(u.id)));
                Await.result(() -> artifacts.purgeStale(cutoff)).forEach(a -> StagedFile.deleteQuietly(
                        artifactUploads.staged(a.id)));
            }
        } catch (RuntimeException e) {
            LOG.warnf("forgetting abandoned uploads failed: %s", e.getMessage());
        }
        int removed = storage.removeAbandoned(cutoff, List.of(storage.partialDirectory(), multipartDirectory));
        if (removed > 0) {
            LOG.infof("removed %d abandoned partial upload file(s)", removed);
        }
    }
}
