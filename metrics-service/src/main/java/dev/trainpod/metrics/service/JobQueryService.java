package dev.trainpod.metrics.service;

import dev.trainpod.metrics.Job;
import dev.trainpod.metrics.JobPhase;
import dev.trainpod.metrics.JobStatus;
import dev.trainpod.metrics.api.LogTail;
import dev.trainpod.metrics.api.MetricPoint;
import dev.trainpod.metrics.api.MetricSeries;
import dev.trainpod.metrics.api.Progress;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.problem.JobProblems;
import dev.trainpod.metrics.repository.JobRepository;
import dev.trainpod.metrics.repository.LogLineRepository;
import dev.trainpod.metrics.repository.MetricPointRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/** What a job's owner may read: its progress, its metric series and its latest log lines. */
@ApplicationScoped
public class JobQueryService {

    private final JobRepository jobs;
    private final MetricPointRepository metricPoints;
    private final LogLineRepository logLines;
    private final MetricsConfig config;

    public JobQueryService(JobRepository jobs, MetricPointRepository metricPoints, LogLineRepository logLines,
                           MetricsConfig config) {
        this.jobs = jobs;
        this.metricPoints = metricPoints;
        this.logLines = logLines;
        this.config = config;
    }

    /** The job's progress, with its ETA measured over the latest points. */
    @WithSession
    public Uni<Progress> progress(UUID deploymentId, String userId) {
        return owned(deploymentId, userId).chain(job -> metricPoints.latest(deploymentId, config.etaWindowPoints())
                .map(recent -> progressOf(job, recent)));
    }

    /** The job's points after {@code afterStep}, downsampled to at most {@code maxPoints}. */
    @WithSession
    public Uni<MetricSeries> series(UUID deploymentId, String userId, int afterStep, int maxPoints) {
        return owned(deploymentId, userId).chain(job -> metricPoints.series(deploymentId, afterStep,
                Math.min(maxPoints, config.maxPointsPerQuery())));
    }

    /** The job's last {@code count} log lines and how many it has dropped. */
    @WithSession
    public Uni<LogTail> logs(UUID deploymentId, String userId, int count) {
        return owned(deploymentId, userId).chain(job -> logLines.tail(deploymentId,
                        Math.min(count, config.maxLogLinesPerJob()))
                .map(lines -> new LogTail(lines, job.logLinesDropped)));
    }

    private Uni<Job> owned(UUID deploymentId, String userId) {
        return jobs.findById(deploymentId).map(job -> {
            if (job == null || !job.userId.equals(userId)) {
                throw JobProblems.notFound(deploymentId.toString());
            }
            return job;
        });
    }

    private static Progress progressOf(Job job, List<MetricPoint> recent) {
        Integer step = job.lastStep;
        Integer total = job.totalSteps;
        Double percent = null;
        if (total != null && total > 0) {
            percent = job.phase == JobPhase.SUCCEEDED ? 100.0
                    : step == null ? 0.0 : Math.min(100.0, Math.round(1000.0 * step / total) / 10.0);
        }
        return new Progress(job.deploymentId, job.phase, job.status, step, total, percent,
                latest(recent, MetricPoint::loss), latest(recent, MetricPoint::tokensPerSecond),
                eta(job, recent), job.lastHeartbeatAt, job.podId,
                job.failureReason != null ? job.failureReason : job.endReason, job.failureMessage,
                job.startedAt, job.finishedAt, job.endedAt,
                job.lastCheckpointStep, job.lastCheckpointAt, job.lastCheckpointAt == null ? null
                        : Math.max(0, Duration.between(job.lastCheckpointAt, Instant.now()).toSeconds()));
    }

    private static Double latest(List<MetricPoint> newestFirst, Function<MetricPoint, Double> field) {
        return newestFirst.stream().map(field).filter(Objects::nonNull).findFirst().orElse(null);
    }

    /** Steps left divided by the step rate between the oldest and newest of the recent points. */
    private static Long eta(Job job, List<MetricPoint> newestFirst) {
        if (job.status != JobStatus.ACTIVE || job.totalSteps == null || job.lastStep == null
                || newestFirst.size() < 2) {
            return null;
        }
        int left = job.totalSteps - job.lastStep;
        if (left <= 0) {
            return 0L;
        }
        MetricPoint newest = newestFirst.get(0);
        MetricPoint oldest = newestFirst.get(newestFirst.size() - 1);
        double seconds = Duration.between(oldest.time(), newest.time()).toMillis() / 1000.0;
        double stepsPerSecond = seconds <= 0 ? 0 : (newest.step() - oldest.step()) / seconds;
        return stepsPerSecond <= 0 ? null : Math.round(left / stepsPerSecond);
    }
}
