package dev.trainpod.common.inbox;

import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.EventEnvelope;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.tracing.TraceHeaders;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Runs a service's handler for a consumed lifecycle record exactly once: the inbox mark and the handler's
 * changes commit in one transaction, and a failed attempt is retried with backoff (the partition waits, so
 * one deployment's events keep their order) for the retry budget. An event that still fails then goes to the
 * dead-letter table and the consumer moves on; if that write fails too (the database is down), it is retried
 * until it succeeds, so no event is dropped and its offset is not committed before.
 *
 * <p>Each event is handled in a consumer span, a child of the producer span whose {@code traceparent} the record
 * carries, so what the handler does (and the events it writes to the outbox) continues the deployment's trace;
 * its log lines carry the trace id and the {@code deploymentId}.
 */
@ApplicationScoped
public class InboxProcessor {

    private static final Logger LOG = Logger.getLogger(InboxProcessor.class);

    private final Inbox inbox;
    private final DeadLetters deadLetters;
    private final ConsumerConfig config;
    private final Tracer tracer;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<Long, InFlight> inFlight = new ConcurrentHashMap<>();

    public InboxProcessor(Inbox inbox, DeadLetters deadLetters, ConsumerConfig config, Tracer tracer) {
        this.inbox = inbox;
        this.deadLetters = deadLetters;
        this.config = config;
        this.tracer = tracer;
    }

    /** An event being processed: since when, and whether only its dead-letter write is left. */
    private static final class InFlight {
        final Instant since = Instant.now();
        volatile boolean deadLettering;
        volatile Instant firstFailedAt;
        volatile Instant lastFailedAt;
        volatile Throwable lastError;
        volatile int attempts;
    }

    /** Decodes the record and, on its first delivery, applies the handler in the same transaction. */
    public Uni<Void> process(ConsumerRecord<String, String> record, Function<EventEnvelope, Uni<Void>> handler) {
        return process(record, handler, event -> { });
    }

    /**
     * As {@link #process(ConsumerRecord, Function)}, then gives the decoded event to {@code afterCommit} once the
     * record is done with: applied and committed, seen before (a redelivery), or moved to the dead-letter table.
     * For work that must not hold the record (a provider call), decided on the event's type, not on its headers.
     */
    public Uni<Void> process(ConsumerRecord<String, String> record, Function<EventEnvelope, Uni<Void>> handler,
                             Consumer<LifecycleEvent> afterCommit) {
        return EventCodec.decodeOrSkip(record, EventCodec::fromRecord)
                .map(envelope -> process(record, envelope, handler).invoke(() -> afterCommit.accept(envelope.event())))
                .orElseGet(() -> Uni.createFrom().voidItem());
    }

    private Uni<Void> process(ConsumerRecord<String, String> record, EventEnvelope envelope,
                              Function<EventEnvelope, Uni<Void>> handler) {
        long id = sequence.incrementAndGet();
        InFlight state = new InFlight();
        inFlight.put(id, state);
        Span span = consumeSpan(record, envelope);
        // Current in this record's Vert.x context until it is done: the handler's outbox rows take its traceparent.
        Scope scope = span.makeCurrent();
        String deploymentId = String.valueOf(envelope.event().deploymentId());
        MDC.put("deploymentId", deploymentId);
        return Uni.createFrom().deferred(() -> Panache.withTransaction(() -> inbox.claim(envelope.id())
                        .chain(first -> first ? handler.apply(envelope) : Uni.createFrom().voidItem())))
                .onFailure().invoke(e -> {
                    Instant now = Instant.now();
                    if (state.firstFailedAt == null) {
                        state.firstFailedAt = now;
                    }
                    state.lastFailedAt = now;
                    state.lastError = e;
                    state.attempts++;
                    deadLetters.attemptFailed(envelope.event().type());
                    LOG.warnf("handling %s %s failed (attempt %d), will retry: %s",
                            envelope.event().type(), envelope.id(), state.attempts, e.getMessage());
                })
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10))
                .expireIn(config.retryBudget().toMillis())
                .onFailure().recoverWithUni(e -> deadLetter(record, envelope, state))
                .onTermination().invoke((item, failure, cancelled) -> {
                    inFlight.remove(id);
                    if (state.deadLettering) {
                        span.setStatus(StatusCode.ERROR, "moved to the dead-letter table");
                    }
                    span.end();
                    scope.close();
                    MDC.remove("deploymentId");
                });
    }

    /** The consumer side of Kafka: a child of the span that published the record, if it says which. */
    private Span consumeSpan(ConsumerRecord<String, String> record, EventEnvelope envelope) {
        return tracer.spanBuilder(record.topic() + " process")
                .setSpanKind(SpanKind.CONSUMER)
                .setParent(TraceHeaders.parent(TraceHeaders.traceparent(record.headers())))
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation", "process")
                .setAttribute("messaging.destination.name", record.topic())
                .setAttribute("messaging.message.id", envelope.id().toString())
                .setAttribute("messaging.kafka.message.offset", record.offset())
                .setAttribute("cloudevents.event_type", envelope.event().type())
                .setAttribute("trainpod.deployment.id", String.valueOf(envelope.event().deploymentId()))
                .startSpan();
    }

    private Uni<Void> deadLetter(ConsumerRecord<String, String> record, EventEnvelope envelope, InFlight state) {
        state.deadLettering = true;
        LOG.errorf("%s %s (%s-%d offset %d) still failed after %d attempts in %s; moving it to the dead-letter "
                        + "table: %s", envelope.event().type(), envelope.id(), record.topic(), record.partition(),
                record.offset(), state.attempts, config.retryBudget(),
                state.lastError == null ? "unknown" : state.lastError.getMessage());
        DeadLetters.Failure failure = new DeadLetters.Failure(state.lastError,
                state.firstFailedAt == null ? state.since : state.firstFailedAt,
                state.lastFailedAt == null ? Instant.now() : state.lastFailedAt, state.attempts);
        return Uni.createFrom().deferred(() -> deadLetters.record(record, envelope, failure))
                .onFailure().invoke(e -> LOG.warnf("writing %s %s to the dead-letter table failed, will retry: %s",
                        envelope.event().type(), envelope.id(), e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(30)).indefinitely();
    }

    /**
     * How long the oldest event has been in progress past its retry budget and stall grace, other than one
     * waiting for its dead-letter write: an attempt that never answered. Empty while the consumer is healthy.
     */
    public Optional<Duration> stalledFor() {
        Instant deadline = Instant.now().minus(config.retryBudget()).minus(config.stallGrace());
        return inFlight.values().stream()
                .filter(f -> !f.deadLettering && f.since.isBefore(deadline))
                .map(f -> Duration.between(f.since, deadline))
                .max(Duration::compareTo);
    }

    /** How many events are waiting for their dead-letter write, that is for the database to come back. */
    public long waitingForDeadLetterWrite() {
        return inFlight.values().stream().filter(f -> f.deadLettering).count();
    }
}
