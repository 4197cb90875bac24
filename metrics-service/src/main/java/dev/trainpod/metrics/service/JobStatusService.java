package dev.trainpod.metrics.service;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.metrics.Job;
import dev.trainpod.metrics.JobPhase;
import dev.trainpod.metrics.JobStatus;
import dev.trainpod.metrics.api.StatusReport;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.problem.JobProblems;
import dev.trainpod.metrics.repository.JobRepository;
import dev.trainpod.metrics.repository.JobTelemetryRepository;
import dev.trainpod.metrics.repository.MetricPointRepository;
import dev.trainpod.metrics.repository.PhaseChangeRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Applies a pod's status reports: phase changes and heartbeats, and the outcome, which is published as
 * {@code TrainingFailed} or {@code TrainingSucceeded} in the same transaction, once per job.
 */
@ApplicationScoped
public class JobStatusService {

    static final int MAX_MESSAGE_LENGTH = 4096;
    static final int MAX_PHASE_NAME_LENGTH = 32;

    private final JobRepository jobs;
    private final PhaseChangeRepository phaseChanges;
    private final Outbox outbox;
    private final MetricsConfig config;
    private final MetricPointRepository points;

    public JobStatusService(JobRepository jobs, PhaseChangeRepository phaseChanges, Outbox outbox,
                            MetricsConfig config, MetricPointRepository points) {
        this.points = points;
        this.jobs = jobs;
        this.phaseChanges = phaseChanges;
        this.outbox = outbox;
        this.config = config;
    }

    /** Applies the report to the job; the item is the job as it stands afterwards. */
    @WithTransaction
    public Uni<Job> report(UUID deploymentId, StatusReport report) {
        JobPhase phase = validate(report);
        return jobs.findForUpdate(deploymentId).chain(job -> {
            if (job == null) {
                throw JobProblems.notFound(deploymentId.toString());
            }
            if (job.status == JobStatus.ENDED) {
                throw JobProblems.ended(deploymentId);
            }
            Instant now = Instant.now();
            if (JobTelemetryRepository.heartbeatStale(job.lastHeartbeatAt, now)) {
                job.lastHeartbeatAt = now; // younger than the resolution: no write just for the heartbeat
            }
            job.advanceTo(report.step(), now);
            if (report.totalSteps() != null && report.totalSteps() > 0) {
                job.totalSteps = report.totalSteps();
            }
            if (job.status.isFinished()) {
                // The outcome is known and was published: a repeat or a late heartbeat changes nothing more.
                return Uni.createFrom().item(job);
            }
            if (phase == JobPhase.TRAINING && job.trainingStartedAt == null) {
                job.trainingStartedAt = now; // the idle watchdog only watches jobs that have started training
            }
            if (phase == job.phase) {
                return Uni.createFrom().item(job);
            }
            Uni<Job> changed = switch (phase) {
                case FAILED -> fail(job, report, now);
                case SUCCEEDED -> succeed(job, report, now);
                default -> {
                    job.phase = phase;
                    yield Uni.createFrom().item(job);
                }
            };
            return changed.call(j -> phaseChanges.record(j, now));
        });
    }

    private Uni<Job> fail(Job job, StatusReport report, Instant now) {
        String failedPhase = report.failedPhase() != null
                ? Texts.clean(report.failedPhase(), MAX_PHASE_NAME_LENGTH)
                : job.phase == null ? null : job.phase.name();
        FailureReason reason = JobPhase.DOWNLOADING.name().equals(failedPhase)
                ? FailureReason.FAILED_DATASET : FailureReason.FAILED_TRAINING;
        job.status = JobStatus.FAILED;
        job.phase = JobPhase.FAILED;
        job.finishedAt = now;
        job.failedPhase = failedPhase;
        job.failureReason = reason.name();
        job.failureMessage = Texts.clean(report.message(), MAX_MESSAGE_LENGTH);
        job.exitCode = report.exitCode();
        job.logTail = Texts.lastBytes(report.logTail(), config.maxLogTailBytes());
        return outbox.publish(new TrainingFailed(job.deploymentId, job.failureReason, job.failureMessage,
                        job.exitCode, job.logTail))
                .replaceWith(job);
    }

    private Uni<Job> succeed(Job job, StatusReport report, Instant now) {
        job.status = JobStatus.SUCCEEDED;
        job.phase = JobPhase.SUCCEEDED;
        job.finishedAt = now;
        String message = Texts.clean(report.message(), MAX_MESSAGE_LENGTH);
        return points.bestEvalLoss(job.deploymentId)
                .chain(best -> outbox.publish(new TrainingSucceeded(job.deploymentId, message, best, job.lastStep)))
                .replaceWith(job);
    }

    private static JobPhase validate(StatusReport report) {
        if (report == null) {
            throw JobProblems.missingBody("{\"phase\":\"TRAINING\",\"message\":\"step 10 of 100\"}");
        }
        JobPhase phase = JobPhase.named(report.phase()).orElseThrow(() -> JobProblems.invalidField("phase",
                report.phase() == null ? "REQUIRED" : "UNKNOWN_PHASE",
                report.phase() == null ? "is required" : "is not a known phase",
                "use one of " + Arrays.stream(JobPhase.values()).map(Enum::name).collect(Collectors.joining(", "))));
        if (report.step() != null && report.step() < 0) {
            throw JobProblems.invalidField("step", "NEGATIVE", "must be 0 or more", null);
        }
        if (report.totalSteps() != null && report.totalSteps() < 0) {
            throw JobProblems.invalidField("totalSteps", "NEGATIVE", "must be 0 or more", null);
        }
        return phase;
    }
}
