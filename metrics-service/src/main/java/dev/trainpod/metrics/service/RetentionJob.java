package dev.trainpod.metrics.service;

import dev.trainpod.common.job.JobLease;
import dev.trainpod.common.job.Sweep;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.repository.RetentionRepository;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Deletes the points, log lines and phase changes of jobs whose deployment ended longer ago than
 * {@code trainpod.metrics.retention}; the job's row (owner, outcome, last progress) stays. One replica at a time
 * runs it (a {@link JobLease}); a batch also locks its jobs ({@code SKIP LOCKED}); the statement is
 * {@link RetentionRepository}'s.
 */
@ApplicationScoped
public class RetentionJob {

    private static final int BATCH = 100;

    private final RetentionRepository retention;
    private final MetricsConfig config;
    private final JobLease lease;

    public RetentionJob(RetentionRepository retention, MetricsConfig config, JobLease lease) {
        this.retention = retention;
        this.config = config;
        this.lease = lease;
    }

    @Scheduled(every = "${trainpod.metrics.retention-interval}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> deleteExpired() {
        return Sweep.guarded("telemetry retention", () -> lease.whileHeld("metrics:retention",
                config.retentionInterval(), () -> Multi.createBy().repeating().uni(this::deleteBatch)
                        .until(jobs -> jobs < BATCH).collect().last()));
    }

    /** Deletes the telemetry of up to one batch of expired jobs; the item is how many jobs. */
    private Uni<Integer> deleteBatch() {
        return retention.deleteExpired(config.retention(), BATCH);
    }
}
