package dev.trainpod.common.inbox;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Reports the lifecycle consumer DOWN when an event has been in progress longer than its retry budget and stall
 * grace without reaching the dead-letter write: an attempt that never answers, which only a restart ends. The
 * connector's own check (SmallRye messaging health, on by default) reports a consumer that has failed or closed.
 * An event waiting for the database to take its dead-letter row is not a stall; readiness shows the database.
 */
@Liveness
@ApplicationScoped
public class ConsumerLiveness implements HealthCheck {

    private final InboxProcessor processor;

    public ConsumerLiveness(InboxProcessor processor) {
        this.processor = processor;
    }

    @Override
    public HealthCheckResponse call() {
        Optional<Duration> stalled = processor.stalledFor();
        return HealthCheckResponse.named("lifecycle consumer")
                .status(stalled.isEmpty())
                .withData("stalledSeconds", stalled.map(Duration::toSeconds).orElse(0L))
                .withData("waitingForDeadLetterWrite", processor.waitingForDeadLetterWrite())
                .build();
    }
}
