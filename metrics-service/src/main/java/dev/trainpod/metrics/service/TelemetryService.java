package dev.trainpod.metrics.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.metrics.JobStatus;
import dev.trainpod.metrics.api.MetricPoint;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.problem.JobProblems;
import dev.trainpod.metrics.repository.JobTelemetryRepository;
import dev.trainpod.metrics.repository.LogLineRepository;
import dev.trainpod.metrics.repository.MetricColumns;
import dev.trainpod.metrics.repository.MetricPointRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Takes a pod's metric points and log lines: each write is also a heartbeat, is atomic with the job's row locked
 * (metrics in a single statement, log lines in a transaction of two), and is refused once the deployment has ended.
 */
@ApplicationScoped
public class TelemetryService {

    private final Pool pool;
    private final JobTelemetryRepository jobs;
    private final MetricPointRepository metricPoints;
    private final LogLineRepository logLines;
    private final MetricsConfig config;
    private final MetricBatchReader reader;

    public TelemetryService(Pool pool, JobTelemetryRepository jobs, MetricPointRepository metricPoints,
                            LogLineRepository logLines, MetricsConfig config, ObjectMapper mapper) {
        this.reader = new MetricBatchReader(mapper.getFactory(), config.maxPointsPerBatch());
        this.pool = pool;
        this.jobs = jobs;
        this.metricPoints = metricPoints;
        this.logLines = logLines;
        this.config = config;
    }

    /** Stores the points whose step the job does not have yet; the item is how many were new. */
    public Uni<Integer> recordPoints(UUID deploymentId, List<MetricPoint> points) {
        List<MetricPoint> valid = MetricPointValidator.validate(points, config.maxPointsPerBatch());
        return store(deploymentId, MetricPointRepository.columns(valid));
    }

    /**
     * A batch's points read from the request's bytes straight into columns, already checked; null when the body
     * is not a plainly valid batch, which is then read with {@link #recordPoints} for its exact refusal.
     */
    public MetricColumns readColumns(byte[] body) {
        return reader.read(body);
    }

    /** Stores points that {@link #readColumns} read; as {@link #recordPoints}. */
    public Uni<Integer> recordColumns(UUID deploymentId, MetricColumns columns) {
        return store(deploymentId, columns);
    }

    private Uni<Integer> store(UUID deploymentId, MetricColumns columns) {
        return metricPoints.record(deploymentId, columns).map(recorded -> {
            if (!recorded.written()) {
                throw recorded.status() == null ? JobProblems.notFound(deploymentId.toString())
                        : JobProblems.ended(deploymentId);
            }
            return recorded.added();
        });
    }

    /**
     * Opens the job of a deployment whose {@code DeploymentRequested} has not arrived yet, owned by the user the
     * pod's job token names; nothing changes if the job exists. The event fills in the rest when it comes.
     */
    public Uni<Void> openJob(UUID deploymentId, String ownerId) {
        return pool.withConnection(conn -> jobs.openIfAbsent(conn, deploymentId, ownerId));
    }

    /**
     * Appends the lines, dropping the job's oldest ones (and counting them) beyond the per-job limit; the item is
     * how many lines were appended.
     */
    public Uni<Integer> appendLogLines(UUID deploymentId, List<String> lines) {
        requireLines(lines);
        int max = config.maxLogLinesPerJob();
        List<String> kept = new ArrayList<>(Math.min(lines.size(), max));
        for (String line : lines.subList(Math.max(0, lines.size() - max), lines.size())) {
            kept.add(Texts.clean(line, config.maxLogLineLength()));
        }
        long droppedFromBatch = lines.size() - kept.size();
        return pool.withTransaction(conn -> writable(conn, deploymentId, null).chain(state -> {
            int excess = Math.max(0, state.logLinesStored() + kept.size() - max);
            return logLines.append(conn, deploymentId, kept, excess, droppedFromBatch);
        })).replaceWith(kept.size());
    }

    private static void requireLines(List<String> lines) {
        if (lines == null) {
            throw JobProblems.invalidField("lines", "REQUIRED", "is required",
                    "send {\"lines\":[\"first line\",\"second line\"]} or text/plain, one line per line");
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i) == null) {
                throw JobProblems.invalidField("lines[" + i + "]", "REQUIRED", "is null", "send strings only");
            }
        }
    }

    private Uni<JobTelemetryRepository.WriteState> writable(SqlConnection conn, UUID deploymentId, Integer step) {
        return jobs.heartbeat(conn, deploymentId, step).invoke(state -> {
            if (state == null) {
                throw JobProblems.notFound(deploymentId.toString());
            }
            if (state.status() == JobStatus.ENDED) {
                throw JobProblems.ended(deploymentId);
            }
        });
    }
}
