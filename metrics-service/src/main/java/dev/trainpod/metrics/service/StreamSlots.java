package dev.trainpod.metrics.service;

import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.metrics.config.MetricsConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The live streams open on this replica: at most {@code trainpod.metrics.max-streams-per-user} per user and
 * {@code trainpod.metrics.max-streams} in all, so that no one can hold enough streams to exhaust the database pool
 * that healthy pods' writes need. Memory holds one counter per user with a stream open
 * ({@code trainpod_streams_open} counts the streams).
 */
@ApplicationScoped
public class StreamSlots {

    private final int perUser;
    private final int total;
    private final Map<String, Integer> open = new HashMap<>();
    private int all;

    @Inject
    public StreamSlots(MetricsConfig config, MeterRegistry registry) {
        this(config.maxStreamsPerUser(), config.maxStreams(), registry);
    }

    StreamSlots(int perUser, int total, MeterRegistry registry) {
        this.perUser = perUser;
        this.total = total;
        Gauge.builder("trainpod.streams.open", this, StreamSlots::count)
                .description("Live job streams open on this replica").register(registry);
    }

    /** Takes a slot for the user, or fails with a 429 problem when the user or the replica has none left. */
    public synchronized Slot take(String userId) {
        if (open.getOrDefault(userId, 0) >= perUser) {
            throw ProblemException.tooManyRequests("too-many-streams", "You already hold " + perUser
                    + " live job streams, the most one user may; close one (or poll GET .../progress) and retry.");
        }
        if (all >= total) {
            throw ProblemException.tooManyRequests("streams-exhausted", "This server holds " + total
                    + " live job streams, the most it serves; retry in a minute or poll GET .../progress.");
        }
        open.merge(userId, 1, Integer::sum);
        all++;
        return new Slot(userId);
    }

    /** How many streams are open. */
    public synchronized int count() {
        return all;
    }

    private synchronized void release(String userId) {
        open.computeIfPresent(userId, (user, n) -> n > 1 ? n - 1 : null);
        all--;
    }

    /** One open stream's place, given back once however the stream ends. */
    public final class Slot {
        private final String userId;
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot(String userId) {
            this.userId = userId;
        }

        /** Gives the place back (again: nothing). */
        public void release() {
            if (released.compareAndSet(false, true)) {
                StreamSlots.this.release(userId);
            }
        }
    }
}
