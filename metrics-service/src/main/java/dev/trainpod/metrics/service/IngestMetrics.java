package dev.trainpod.metrics.service;

import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.common.ratelimit.RateLimitedException;
import dev.trainpod.metrics.repository.MetricPointRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * What pods sent and what this service kept, for Prometheus: {@code trainpod_ingest_metric_points_total{outcome}}
 * (accepted, duplicate), {@code trainpod_ingest_log_lines_total{outcome}} (accepted) and
 * {@code trainpod_ingest_refused_total{kind,status}}: pod writes refused, by kind (status, metrics, logs) and HTTP
 * status (429 over the rate, 400 bad input, 403 another job's token, 404 unknown job, 409 ended job); and
 * {@code trainpod_job_time_to_first_step_seconds}, from the deployment's request (the job's creation, at the
 * time of its {@code DeploymentRequested}) to the job's first metric point stored, recorded once per job (and
 * replica): the jobs whose first point is known to be stored are remembered (up to {@link #KNOWN_JOBS}), so a
 * job's later batches cost no query.
 * Created at start ({@link Startup}), so that its series exist before the first event.
 */
@Startup
@ApplicationScoped
public class IngestMetrics {

    private static final Logger LOG = Logger.getLogger(IngestMetrics.class);
    /** How many jobs whose first point is stored are remembered; beyond it the memory starts over. */
    static final int KNOWN_JOBS = 100_000;
    private final Set<UUID> firstStepStored = ConcurrentHashMap.newKeySet();
    private final MeterRegistry registry;
    private final MetricPointRepository metricPoints;
    private final Timer timeToFirstStep;
    private final Counter pointsAccepted;
    private final Counter pointsDuplicate;
    private final Counter linesAccepted;

    public IngestMetrics(MeterRegistry registry, MetricPointRepository metricPoints) {
        this.registry = registry;
        this.metricPoints = metricPoints;
        timeToFirstStep = Timer.builder("trainpod.job.time.to.first.step")
                .description("From the deployment's request to its first training step stored")
                .serviceLevelObjectives(seconds(10), seconds(30), seconds(60), seconds(120), seconds(180),
                        seconds(240), seconds(300), seconds(450), seconds(600), seconds(1200), seconds(3600))
                .register(registry);
        pointsAccepted = points("accepted");
        pointsDuplicate = points("duplicate");
        linesAccepted = Counter.builder("trainpod.ingest.log.lines").tag("outcome", "accepted")
                .description("Log lines pods sent, by outcome").register(registry);
        for (String kind : new String[] {"status", "metrics", "logs"}) {
            refusedCounter(kind, "429");
        }
    }

    /** A metric batch stored: {@code accepted} new points, {@code duplicate} ones already stored. */
    public void points(int accepted, int duplicate) {
        pointsAccepted.increment(accepted);
        pointsDuplicate.increment(Math.max(0, duplicate));
    }

    /**
     * After a batch stored new points: if none below its lowest step was stored before, this is the job's first
     * step, and the time since the request is recorded. Runs after the answer, off the request's path, and only
     * until the job's first point is known to be stored: from then on a job's batches (a pod sends one every few
     * seconds for hours) cost no query, and an out-of-order earlier batch is not counted a second time.
     */
    public void firstStepCandidate(UUID deploymentId, int lowestStep) {
        if (firstStepStored.contains(deploymentId)) {
            return;
        }
        metricPoints.secondsToFirstStep(deploymentId, lowestStep).subscribe().with(s -> {
            if (firstStepStored.size() >= KNOWN_JOBS) {
                firstStepStored.clear(); // forgotten jobs cost one query each again, and are then known again
            }
            if (firstStepStored.add(deploymentId) && s != null && s >= 0) {
                timeToFirstStep.record(Duration.ofMillis((long) (s * 1000)));
            }
        }, e -> LOG.debugf("time to first step not recorded: %s", e.getMessage()));
    }

    private static Duration seconds(int s) {
        return Duration.ofSeconds(s);
    }

    /** Log lines appended. */
    public void lines(int accepted) {
        linesAccepted.increment(accepted);
    }

    /** A pod write refused; {@code e} decides the status label (500 for anything not a problem). */
    public void refused(String kind, Throwable e) {
        String status = e instanceof ProblemException p ? String.valueOf(p.problem().status())
                : e instanceof RateLimitedException ? "429" : "500";
        refusedCounter(kind, status).increment();
    }

    private Counter points(String outcome) {
        return Counter.builder("trainpod.ingest.metric.points").tag("outcome", outcome)
                .description("Metric points pods sent, by outcome").register(registry);
    }

    private Counter refusedCounter(String kind, String status) {
        return Counter.builder("trainpod.ingest.refused").tag("kind", kind).tag("status", status)
                .description("Pod writes refused, by kind and HTTP status").register(registry);
    }
}
