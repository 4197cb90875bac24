package dev.trainpod.metrics.service;

import dev.trainpod.metrics.api.StreamEvent;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.problem.JobProblems;
import dev.trainpod.metrics.repository.StreamEventRepository;
import dev.trainpod.metrics.repository.StreamEventRepository.StreamState;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A job's live stream for its owner: what the job has after the client's last event id, then every new point,
 * log line and phase change as it is stored. Each subscriber reads the database on its own, so it sees the writes
 * that any replica took: every {@code trainpod.metrics.stream-poll-interval} while events come (four queries), each
 * quiet look doubling the wait up to {@code trainpod.metrics.stream-idle-poll-interval}. It ends after the job's last
 * event, when the job has ended and nothing is left after the client's id, when the client's id is beyond every event
 * ever numbered, and when the job or its events (retention) are gone. After {@code trainpod.metrics.stream-keep-alive}
 * without sending anything it sends a keep-alive comment.
 */
@ApplicationScoped
public class JobStreamService {

    private static final int PAGE = 1000;
    // A poll's answer that ends the stream (compared by identity).
    private static final List<StreamEvent> END = List.of();

    private final StreamEventRepository events;
    private final MetricsConfig config;

    public JobStreamService(StreamEventRepository events, MetricsConfig config) {
        this.events = events;
        this.config = config;
    }

    /** Fails with 404 unless the job exists and belongs to the user. */
    public Uni<Void> checkOwner(UUID deploymentId, String userId) {
        return events.owner(deploymentId).invoke(owner -> {
            if (owner == null || !owner.equals(userId)) {
                throw JobProblems.notFound(deploymentId.toString());
            }
        }).replaceWithVoid();
    }

    /** The job's events after {@code lastEventId} (all of them when it is 0), then new ones as they come. */
    public Multi<StreamEvent> stream(UUID deploymentId, long lastEventId) {
        Cursor cursor = new Cursor(lastEventId, config);
        return Multi.createBy().repeating().uni(() -> cursor.waitBeforeNextPoll().chain(() -> poll(deploymentId, cursor)))
                .until(page -> page == END)
                .onItem().<StreamEvent>disjoint();
    }

    /** One look: after a quiet one, first whether the stream should end (before the events, so none is missed). */
    private Uni<List<StreamEvent>> poll(UUID deploymentId, Cursor cursor) {
        if (cursor.ended) {
            return Uni.createFrom().item(END);
        }
        Uni<StreamState> state = cursor.quiet ? events.state(deploymentId, cursor.lastId)
                : Uni.createFrom().item(StreamState.LIVE);
        return state.chain(s -> s == StreamState.GONE || s == StreamState.PAST ? Uni.createFrom().item(END)
                : events.after(deploymentId, cursor.lastId, PAGE)
                        .map(page -> page.isEmpty() && s == StreamState.ENDED ? END : cursor.advance(page)));
    }

    /** Where one subscriber stands. */
    private static final class Cursor {
        private final Duration busyWait;
        private final Duration idleWait;
        private final long keepAliveNanos;
        private volatile long lastId;
        private volatile boolean ended;
        private volatile boolean quiet = true;
        private volatile boolean first = true;
        private volatile Duration wait;
        private volatile long lastSent = System.nanoTime();

        Cursor(long lastId, MetricsConfig config) {
            this.lastId = lastId;
            this.busyWait = positive(config.streamPollInterval());
            this.keepAliveNanos = positive(config.streamKeepAlive()).toNanos();
            Duration idle = positive(config.streamIdlePollInterval());
            // a quiet stream still looks often enough to send its keep-alive on time
            this.idleWait = idle.compareTo(config.streamKeepAlive()) > 0 ? positive(config.streamKeepAlive()) : idle;
            this.wait = busyWait;
        }

        /** Nothing before the first look; afterwards the current wait. */
        Uni<Void> waitBeforeNextPoll() {
            Uni<Void> now = Uni.createFrom().voidItem();
            if (first) {
                first = false;
                return now;
            }
            return now.onItem().delayIt().by(wait);
        }

        /** Moves past the page; a quiet look waits longer next time and, once enough time passed, is a keep-alive. */
        List<StreamEvent> advance(List<StreamEvent> page) {
            long now = System.nanoTime();
            if (page.isEmpty()) {
                quiet = true;
                Duration doubled = wait.multipliedBy(2);
                wait = doubled.compareTo(idleWait) > 0 ? idleWait : doubled;
                if (now - lastSent < keepAliveNanos) {
                    return page;
                }
                lastSent = now;
                return List.of(StreamEvent.KEEP_ALIVE);
            }
            quiet = false;
            wait = busyWait;
            lastSent = now;
            for (StreamEvent event : page) {
                lastId = Math.max(lastId, event.id());
                ended |= event.isLast();
            }
            return page;
        }

        private static Duration positive(Duration d) {
            return d.isNegative() || d.isZero() ? Duration.ofMillis(1) : d;
        }
    }
}
