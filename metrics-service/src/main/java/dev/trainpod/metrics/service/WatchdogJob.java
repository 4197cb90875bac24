package dev.trainpod.metrics.service;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.job.JobLease;
import dev.trainpod.common.job.Sweep;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.metrics.Job;
import dev.trainpod.metrics.JobPhase;
import dev.trainpod.metrics.JobStatus;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.repository.JobTelemetryRepository;
import dev.trainpod.metrics.repository.JobRepository;
import dev.trainpod.metrics.repository.LogLineRepository;
import dev.trainpod.metrics.repository.PhaseChangeRepository;
import dev.trainpod.metrics.repository.WatchdogRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Fails jobs whose pod went silent ({@code FAILED_HEARTBEAT_LOST}) or whose training loop stalled
 * ({@code FAILED_IDLE}), publishing {@code TrainingFailed} through the outbox so that deploy-service terminates
 * the pod. Safe with several replicas: each candidate is failed under its row lock, and only if it is still
 * active and still overdue, so one job yields one event; and one replica at a time sweeps (a {@link JobLease}).
 * A job that never reported anything has no heartbeat to lose: deploy-service's provisioning deadline covers it.
 * Only jobs that reported {@code TRAINING} (and are still in it) can be idle: downloading and uploading do not move
 * the step. Silence is measured from the latest of the pod's last heartbeat and the end of the watchdog's own last
 * gap (no sweep for three intervals, a minute at least: this service or its database was down, so no heartbeat could
 * have been taken), so an outage here never fails a healthy pod.
 *
 * <p>A job whose artifacts are stored ({@code ArtifactsStored} from dataset-service: the pod uploaded them and declared
 * them final) is never failed: it cannot be idle (training is over), and a lost heartbeat means the pod died or
 * was terminated before metrics-service took its final report, so the watchdog ends the job as succeeded and
 * publishes {@code TrainingSucceeded} instead, so deploy-service terminates the pod and records the success.
 */
@ApplicationScoped
public class WatchdogJob {

    private static final Logger LOG = Logger.getLogger(WatchdogJob.class);
    private static final int BATCH = 100;
    private static final int LOG_TAIL_LINES = 50;
    private static final Duration MIN_GAP = Duration.ofMinutes(1);

    private final WatchdogRepository watchdog;
    private final JobRepository jobs;
    private final PhaseChangeRepository phaseChanges;
    private final LogLineRepository logLines;
    private final Outbox outbox;
    private final MetricsConfig config;
    private final JobLease lease;

    public WatchdogJob(WatchdogRepository watchdog, JobRepository jobs, PhaseChangeRepository phaseChanges,
                       LogLineRepository logLines, Outbox outbox, MetricsConfig config, JobLease lease) {
        this.lease = lease;
        this.watchdog = watchdog;
        this.jobs = jobs;
        this.phaseChanges = phaseChanges;
        this.logLines = logLines;
        this.outbox = outbox;
        this.config = config;
    }

    @Scheduled(every = "${trainpod.metrics.watchdog-interval}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> watch() {
        return Sweep.guarded("watchdog sweep",
                () -> lease.whileHeld("metrics:watchdog", config.watchdogInterval(), this::sweep));
    }

    /** Ends every overdue job (failed, or succeeded if its artifacts are stored); the item is how many ended now. */
    public Uni<Integer> sweep() {
        return watchdog.tick(gap())
                .chain(watchingSince -> Sweep.count("watchdog", overdueJobs(watchingSince),
                        id -> failIfOverdue(id, watchingSince)));
    }

    /** How long without a sweep counts as an outage: three intervals, and at least a minute (a slow sweep is none). */
    private Duration gap() {
        Duration threeIntervals = config.watchdogInterval().multipliedBy(3);
        return threeIntervals.compareTo(MIN_GAP) > 0 ? threeIntervals : MIN_GAP;
    }

    /**
     * The timeout measured on the stored heartbeat: the configured one plus the heartbeat's resolution (a pod's
     * last heartbeat may be up to that much younger than the stored one), so throttled heartbeats never make a
     * pod lost earlier.
     */
    private Duration heartbeatTimeout() {
        return config.heartbeatTimeout().plus(JobTelemetryRepository.HEARTBEAT_RESOLUTION);
    }

    private Uni<List<UUID>> overdueJobs(Instant watchingSince) {
        return watchdog.overdue(heartbeatTimeout(), BATCH, watchingSince);
    }

    private Uni<Boolean> failIfOverdue(UUID deploymentId, Instant watchingSince) {
        return logLines.tail(deploymentId, LOG_TAIL_LINES).chain(tail -> Panache.withTransaction(() ->
                jobs.findForUpdate(deploymentId).chain(job -> {
                    Instant now = Instant.now();
                    FailureReason reason = job == null ? null : overdue(job, now, watchingSince);
                    if (reason == null) {
                        return Uni.createFrom().item(false);
                    }
                    if (job.artifactsStoredAt != null) {
                        return succeed(job, now);
                    }
                    fail(job, reason, String.join("\n", tail), now);
                    LOG.infof("job %s failed by the watchdog: %s", deploymentId, job.failureMessage);
                    return outbox.publish(new TrainingFailed(deploymentId, job.failureReason, job.failureMessage,
                                    null, job.logTail))
                            .chain(() -> phaseChanges.record(job, now))
                            .replaceWith(true);
                })));
    }

    /** Ends a job whose artifacts are stored and whose pod went silent before its final report: succeeded. */
    private Uni<Boolean> succeed(Job job, Instant now) {
        job.status = JobStatus.SUCCEEDED;
        job.phase = JobPhase.SUCCEEDED;
        job.finishedAt = now;
        String message = "The pod's " + job.artifactsStored + " artifact(s) were stored at " + job.artifactsStoredAt
                + " but its final report never came (no heartbeat since " + job.lastHeartbeatAt
                + "); the job is recorded as succeeded.";
        LOG.infof("job %s ended by the watchdog as succeeded: its artifacts are stored", job.deploymentId);
        return outbox.publish(new TrainingSucceeded(job.deploymentId, message))
                .chain(() -> phaseChanges.record(job, now))
                .replaceWith(true);
    }

    /**
     * Why the job must end now (FAILED_HEARTBEAT_LOST also for a job whose artifacts are stored, which then ends
     * as succeeded), or null if it is finished, or healthy after all.
     */
    private FailureReason overdue(Job job, Instant now, Instant watchingSince) {
        if (job.status != JobStatus.ACTIVE) {
            return null;
        }
        if (job.lastHeartbeatAt != null
                && latest(job.lastHeartbeatAt, watchingSince).isBefore(now.minus(heartbeatTimeout()))) {
            return FailureReason.FAILED_HEARTBEAT_LOST;
        }
        Instant idleSince = latest(job.trainingStartedAt, job.stepAdvancedAt);
        idleSince = idleSince == null ? null : latest(idleSince, watchingSince);
        if (job.artifactsStoredAt == null && job.phase == JobPhase.TRAINING && job.idleMinutes != null && job.idleMinutes > 0 && idleSince != null
                && idleSince.isBefore(now.minus(Duration.ofMinutes(job.idleMinutes)))) {
            return FailureReason.FAILED_IDLE;
        }
        return null;
    }

    private void fail(Job job, FailureReason reason, String logTail, Instant now) {
        job.status = JobStatus.FAILED;
        job.finishedAt = now;
        job.failedPhase = job.phase == null ? null : job.phase.name();
        job.failureReason = reason.name();
        job.failureMessage = reason == FailureReason.FAILED_HEARTBEAT_LOST
                ? "No heartbeat from the pod since " + job.lastHeartbeatAt + " (timeout "
                        + config.heartbeatTimeout().toSeconds() + " s); the pod is presumed dead or unreachable."
                : "Training has not advanced past step " + job.lastStep + " for " + job.idleMinutes
                        + " minutes (idleMinutes) although the pod still reports; the training loop looks stalled.";
        job.logTail = logTail.isEmpty() ? null : Texts.lastBytes(logTail, config.maxLogTailBytes());
    }

    private static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }
}
