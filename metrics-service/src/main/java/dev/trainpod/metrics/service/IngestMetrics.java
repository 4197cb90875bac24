package dev.trainpod.metrics.service;

import dev.trainpod.common.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What pods sent and what this service kept, for Prometheus: {@code trainpod_ingest_metric_points_total{outcome}}
 * (accepted, duplicate), {@code trainpod_ingest_log_lines_total{outcome}} (accepted) and
 * {@code trainpod_ingest_refused_total{kind,status}}: pod writes refused, by kind (status, metrics, logs) and HTTP
 * status (429 over the rate, 400 bad input, 403 another job's token, 404 unknown job, 409 ended job).
 * Created at start ({@link Startup}), so that its series exist before the first event.
 */
@Startup
@ApplicationScoped
public class IngestMetrics {

    private final MeterRegistry registry;
    private final Counter pointsAccepted;
    private final Counter pointsDuplicate;
    private final Counter linesAccepted;

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
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
